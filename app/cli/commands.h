#pragma once
// sparq-cli subcommands. Each returns the process exit code.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sparq/engine/bench.h"
#include "sparq/engine/engine.h"
#include "sparq/engine/export.h"
#include "sparq/engine/quantize.h"
#include "sparq/engine/serving.h"
#include "sparq/engine/specs.h"
#include "sparq/profiler/bench_store.h"
#include "sparq/profiler/metric_bus.h"
#include "sparq/profiler/run_store.h"

namespace sparq::cli {

/// One job from the command line: the history (default database unless `db`), a bus, an
/// engine; wait() lets Ctrl-C cancel the job and returns once every sample is committed.
class JobRunner {
public:
    JobRunner(const std::string& db, const std::string& workspace, const engine::ProfileOptions& profile = {});
    ~JobRunner();
    engine::Engine& engine() { return *engine_; }
    const std::string& db() const { return db_; }
    engine::TrainResult wait(engine::JobHandle job);

private:
    std::string db_;
    profiler::MetricBus bus_;                  // outlives the store attached to it
    std::unique_ptr<profiler::RunStore> store_;
    std::unique_ptr<engine::Engine> engine_;
};

/// Waits for a job whose result is the summary JSON it leaves in the history (Ctrl-C
/// cancels it). A failure goes to standard error (exit code 1); with `json` the summary is
/// printed as one line, otherwise `print_text(summary_json, run_id)` runs for a completed
/// job. Returns the exit code: 0, 1, or 130 when cancelled.
int finish_summarized(JobRunner& runner, engine::JobHandle job, bool json,
                      const std::function<void(const std::string& summary_json, std::int64_t run_id)>& print_text);

struct TrainOptions {
    std::string preset;
    std::string config;
    std::string db;
    std::string workspace;
    engine::ProfileOptions profile;
    bool json = false;
    bool quiet = false;
};

/// Runs a training job to completion; Ctrl-C cancels it (keeping its last checkpoint).
int run_train(engine::TrainSpec spec, const TrainOptions& o);

/// The --db value, or the default history database.
std::string db_or_default(const std::string& db);
/// "YYYY-MM-DD HH:MM:SS" in local time; "-" for 0.
std::string local_time(std::int64_t wall_ns);

struct HistoryOptions {
    std::string db;
    bool json = false;
    int limit = 0;
    // list filters (the GUI's): kind, status, a tag-free text search over names, presets,
    // configurations and summaries, and a start date range (YYYY-MM-DD, inclusive)
    std::string kind, status, search, since, until;
    std::string tag;                  // list/export filter: runs carrying this tag
    bool archived = false;            // list/export: include archived runs
    std::vector<std::int64_t> runs;   // show | compare | diff | export | delete | tag | archive
    std::vector<std::string> add_tags, remove_tags;  // tag
    std::int64_t run = 0;             // note | rename
    std::string text;                 // note: the notes; rename: the new name
    bool restore = false;             // archive: bring archived runs back
    bool all = false;                 // diff: every key, not only those that differ
    std::string format = "json";      // export: json | csv
    bool series = false;              // export: the runs' samples too
    std::string out;                  // export: file (default standard output)
};
int run_history_list(const HistoryOptions& o);
/// One run: record, configuration, summary, series with point counts, events, artifacts.
int run_history_show(const HistoryOptions& o);
/// Runs side by side: status, accuracy, duration and every numeric summary key.
int run_history_compare(const HistoryOptions& o);
/// Configuration keys whose values differ between the runs (all keys with `all`).
int run_history_diff(const HistoryOptions& o);
int run_history_export(const HistoryOptions& o);
int run_history_delete(const HistoryOptions& o);
/// Adds and removes tags on runs.
int run_history_tag(const HistoryOptions& o);
/// Sets a run's notes.
int run_history_note(const HistoryOptions& o);
int run_history_rename(const HistoryOptions& o);
/// Archives runs (hidden from listings unless --archived) or restores them.
int run_history_archive(const HistoryOptions& o);

struct BenchTrainOptions {
    std::string preset = "mlp-fashion";
    std::string data;
    int threads = 2;
    int steps = 300;
    int repeats = 3;
    bool json = false;
};
/// Measures training steps of a preset's model (batch, optimizer as in the preset).
int run_bench_train(const BenchTrainOptions& o);

struct BenchSparseOptions {
    engine::SparseBenchOptions options;
    bool json = false;
};
/// Gated sparse forward vs the dense LibTorch path of the same shapes.
int run_bench_sparse(const BenchSparseOptions& o);

struct BenchAmpOptions {
    engine::AmpBenchOptions options;
    bool json = false;
};
/// The same model trained in FP32 and BF16 (and FP16 on a GPU), side by side.
int run_bench_amp(const BenchAmpOptions& o);

struct BenchProfilerOptions {
    engine::ProfilerOverheadOptions options;
    bool json = false;
};
/// Step time with the profiler off and on, alternated, per preset.
int run_bench_profiler_overhead(const BenchProfilerOptions& o);

struct SweepOptions {
    std::string checkpoint;
    std::int64_t run = 0;
    std::string db;
    std::vector<double> fractions{0.125, 0.25, 0.375, 0.5, 0.75, 1.0};
    int threads = 2;
    std::int64_t limit_test = 0;
    bool json = false;
};
int run_sparsity_sweep(const SweepOptions& o);

struct QuantizeOptions {
    engine::QuantizeSpec spec;
    std::string db;
    std::string workspace;
    bool json = false;
    bool quiet = false;
};
/// Runs a quantization job; prints its side-by-side summary.
int run_quantize(const QuantizeOptions& o);

struct DistillOptions {
    engine::DistillSpec spec;
    std::string teacher;  // run id, checkpoint path or preset
    std::string db;
    std::string workspace;
    bool json = false;
    bool quiet = false;
};
/// Runs a distillation job (three stages and baselines); prints its summary.
int run_distill(const DistillOptions& o);

struct ContinualOptions {
    std::string preset = "permuted-fashion";
    std::string config;                                       // JSON file of ContinualSpec fields
    std::vector<std::pair<std::string, std::string>> fields;  // from flags and --set, applied last
    std::string db;
    std::string workspace;
    bool json = false;
    bool quiet = false;
};
/// The spec: the preset, then the config file, then the flags.
engine::ContinualSpec continual_spec(const ContinualOptions& o);
/// Runs a continual-learning job (EWC and baselines); prints its summary.
int run_continual(const ContinualOptions& o);

struct BenchStoreOptions {
    profiler::StoreBenchOptions options;
    bool json = false;
};
/// The history's ingest, listing and loading speed on a generated database.
int run_bench_store(const BenchStoreOptions& o);

struct BenchInt8Options {
    engine::Int8BenchOptions options;
    bool json = false;
};
/// FP32 LibTorch path vs INT8 kernels on a preset's shapes (random weights).
int run_bench_int8(const BenchInt8Options& o);

struct ExportOptions {
    engine::ExportSpec spec;
    bool json = false;
};
/// Exports a run's model (ONNX, bundle, Triton repository), verifies the written files
/// against the engine and registers them in the history. Exit code 1 when verification fails.
int run_export(const ExportOptions& o);

struct ServeBenchOptions {
    engine::ServeBenchSpec spec;
    std::string prompt, output;  // KIND[:MEDIAN[:SIGMA[:MIN[:MAX]]]] overrides
    bool compare = false;        // every policy on the same workload, a JSON array
    int probe_length = 0;        // > 0: full against segmented attention at this input length
    bool record = true;
    bool quiet = false;
    bool json = false;
};
/// Serves the seeded workload with tiny-lm under one policy or all (--compare).
int run_serve_bench(ServeBenchOptions o);

struct InferOptions {
    std::string bundle, input, labels;
    int threads = 2;
    bool logits = false;  // --json: include every image's logits
    bool json = false;
};
/// Runs a bundle on a file of images (see engine::infer_bundle for the input formats).
int run_infer(const InferOptions& o);

/// Prints "sparq-cli: <message>" on stderr as one line.
void print_error(const std::string& message);

}  // namespace sparq::cli

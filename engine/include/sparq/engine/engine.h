#pragma once
// Engine: runs jobs on worker threads, publishes their metrics on the bus, and records them
// in the run history. No torch or Qt types cross this header.
#include <cstdint>
#include <memory>
#include <string>

#include "sparq/engine/continual.h"
#include "sparq/engine/device.h"
#include "sparq/engine/distill.h"
#include "sparq/engine/export.h"
#include "sparq/engine/job.h"
#include "sparq/engine/quantize.h"
#include "sparq/engine/serving.h"
#include "sparq/engine/sparse.h"
#include "sparq/engine/train.h"

namespace sparq::profiler {
class MetricBus;
class RunStore;
}  // namespace sparq::profiler

namespace sparq::engine {

/// What the profiler watches while a job runs (issue 6). Everything it measures goes on
/// the bus, so it reaches the live charts and the history like the job's own series.
struct ProfileOptions {
    bool ops = true;          // per-operator self time and calls: ops/<name>/self_ms, .../calls
    bool gpu = true;          // CUPTI activity and NVML samples, for a job that runs on a GPU
    bool alerts = true;       // the default alert rules, fired alerts stored as run events
    int period_ms = 250;      // how often op counters and GPU windows are published
    double ops_window = 0.2;  // share of each period during which operators are recorded
                              // (the callbacks are installed for that slice only, so the
                              // job pays for 1/5 of its ops); 1 = every op. The counters are
                              // what was observed; ops/coverage says which share that is
};

struct EngineOptions {
    profiler::MetricBus* bus = nullptr;     // where metrics go; required
    profiler::RunStore* store = nullptr;    // history; null = runs are not recorded
    std::string workspace_root;             // checkpoints land in <root>/<run-id>/; empty =
                                            // "runs" beside the history database
    bool sample_process = true;             // the profiler at all: cpu/util, per-core
                                            // utilization, mem/rss_mb, and what `profile` asks
    ProfileOptions profile;
};

/// The engine: runs every kind of job on its own worker thread, publishes its metrics on the
/// bus, records it in the history, and hands back a Job<Result>.
class Engine {
public:
    explicit Engine(EngineOptions options);
    ~Engine();  // cancels and joins running jobs
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    /// Each submit validates the spec and resolves its device (throwing ConfigError, before
    /// anything runs, for a bad value or a device that cannot run the job), records the run in
    /// the history, and starts the job on a worker. The sink must outlive the job.
    /// A training job (kind "train").
    Job<TrainResult> submit(const TrainSpec& spec, JobSink& sink);
    /// A quantization job (kind "quantize"): the float model (trained first when the spec names no
    /// checkpoint), the INT8 model, the side-by-side.
    Job<QuantizeResult> submit(const QuantizeSpec& spec, JobSink& sink);
    /// A distillation job (kind "distill"): the teacher (trained first when the spec names no
    /// checkpoint), the three-stage student and the baselines.
    Job<DistillResult> submit(const DistillSpec& spec, JobSink& sink);
    /// A continual-learning job (kind "continual"): EWC through the task sequence, then the baselines.
    Job<ContinualResult> submit(const ContinualSpec& spec, JobSink& sink);
    /// A serving benchmark (kind "serve"): tiny-lm (trained and cached first when needed) serving
    /// the seeded workload under each policy of the spec. Cancelled, it keeps the policies that
    /// finished.
    Job<ServeBenchReport> submit(const ServeBenchSpec& spec, JobSink& sink);
    /// An export of a recorded run's model (no run of its own: the export is registered as an
    /// artifact and an event of the run exported).
    Job<ExportResult> submit(const ExportSpec& spec, JobSink& sink);
    /// A sweep of a trained gated model's active fraction (not recorded).
    Job<SweepResult> submit(const SweepSpec& spec, JobSink& sink);

    /// The history this engine records in; null when it records nothing.
    profiler::RunStore* store() const;
    /// Where runs keep their files: <root>/<run-id>/.
    std::string workspace_root() const;
    /// Where trained serving models are cached: models/ beside the history.
    std::string model_cache_dir() const;

    /// Parameter count of the model a spec describes (no training).
    static std::int64_t count_params(const TrainSpec& spec);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// The kind of job a spec makes.
constexpr JobKind kind_of(const TrainSpec&) { return JobKind::Train; }
constexpr JobKind kind_of(const QuantizeSpec&) { return JobKind::Quantize; }
constexpr JobKind kind_of(const DistillSpec&) { return JobKind::Distill; }
constexpr JobKind kind_of(const ContinualSpec&) { return JobKind::Continual; }
constexpr JobKind kind_of(const ServeBenchSpec&) { return JobKind::Serve; }
constexpr JobKind kind_of(const ExportSpec&) { return JobKind::Export; }
constexpr JobKind kind_of(const SweepSpec&) { return JobKind::Sweep; }

/// The name the history gives the run of a spec that names none: "mlp-fashion",
/// "mlp-fashion int8 qat", "student-fashion from cnn-fashion", "permuted fashion x10 ewc",
/// "serve-bench kmeans", "serve-bench of 5 policies", "export onnx of run 7",
/// "sweep of run 7".
std::string run_name(const TrainSpec& spec);
std::string run_name(const QuantizeSpec& spec);
std::string run_name(const DistillSpec& spec);
std::string run_name(const ContinualSpec& spec);
std::string run_name(const ServeBenchSpec& spec);
std::string run_name(const ExportSpec& spec);
std::string run_name(const SweepSpec& spec);

/// Metric series names published by training jobs.
namespace series {
inline constexpr const char* kTrainLoss = "train/loss";         // per step
inline constexpr const char* kTrainAccuracy = "train/accuracy"; // per epoch
inline constexpr const char* kTestLoss = "test/loss";           // per epoch
inline constexpr const char* kTestAccuracy = "test/accuracy";   // per epoch
inline constexpr const char* kStepMs = "perf/step_ms";          // per step
inline constexpr const char* kSamplesPerS = "perf/samples_per_s";  // per step (smoothed)
inline constexpr const char* kCpuUtil = "cpu/util";             // process, in cores
inline constexpr const char* kRssMb = "mem/rss_mb";
inline constexpr const char* kEpoch = "train/epoch";
inline constexpr const char* kLossScale = "amp/loss_scale";       // per step, when loss scaling is on
inline constexpr const char* kSkippedSteps = "amp/skipped_steps"; // cumulative, per step
// Sparsity, observed (never computed from the configuration):
inline constexpr const char* kActiveParamFraction = "sparsity/active_param_fraction";  // per epoch, test set
inline constexpr const char* kGateBalance = "sparsity/balance_loss";                   // per step
/// Per gated layer i: "sparsity/gated<i>/active_fraction" (share of blocks kept per input;
/// per step while training, per epoch on the test set) and "sparsity/gated<i>/load/b<e>"
/// (share of test inputs routed to block e, per epoch).
std::string gated_series(int layer, const std::string& what);
/// Per ReLU i of any model: "sparsity/relu<i>/zero_fraction" (exact zeros, test set).
std::string relu_zero_series(int layer);
}  // namespace series

}  // namespace sparq::engine

#pragma once
// Engine: runs jobs on worker threads, publishes their metrics on the bus, and records them
// in the run history. No torch or Qt types cross this header.
#include <cstdint>
#include <memory>
#include <string>

#include "sparq/engine/continual.h"
#include "sparq/engine/distill.h"
#include "sparq/engine/events.h"
#include "sparq/engine/quantize.h"
#include "sparq/engine/specs.h"

namespace sparq::profiler {
class MetricBus;
class RunStore;
}  // namespace sparq::profiler

namespace sparq::engine {

/// What the profiler watches while a job runs (issue 6). Everything it measures goes on
/// the bus, so it reaches the live charts and the history like the job's own series.
struct ProfileOptions {
    bool ops = true;          // per-operator self time and calls: ops/<name>/self_ms, .../calls
    bool gpu = true;          // CUPTI activity and NVML samples when a CUDA device is present
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

class JobState;

/// Handle to a submitted job. Copyable; all copies refer to the same job.
class JobHandle {
public:
    JobHandle() = default;
    explicit JobHandle(std::shared_ptr<JobState> state);

    /// Asks the job to stop; it stops within one batch, keeps its last checkpoint and ends
    /// as Cancelled.
    void cancel();
    void pause();
    void resume();
    JobStatus status() const;
    std::int64_t run_id() const;
    /// Blocks until the job ends and returns its summary.
    TrainResult wait();
    /// Waits at most timeout_ms; true when the job has ended.
    bool wait_for(int timeout_ms);
    bool valid() const { return state_ != nullptr; }

private:
    std::shared_ptr<JobState> state_;
};

class Engine {
public:
    explicit Engine(EngineOptions options);
    ~Engine();  // cancels and joins running jobs
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    /// Validates the spec (throws ConfigError), records the run in the history, and starts
    /// it on a worker thread. The sink must outlive the job.
    JobHandle submit(const TrainSpec& spec, JobSink& sink);
    /// A quantization job (kind "quantize" in the history). Its JobHandle result carries the
    /// status and the INT8 test accuracy; the full summary goes to JobSink::on_quantized and
    /// to the run's summary JSON.
    JobHandle submit_quantize(const QuantizeSpec& spec, JobSink& sink);
    /// A distillation job (kind "distill"): the teacher (trained first when the spec names no
    /// checkpoint), the three-stage student and the baselines. The JobHandle result carries
    /// the status and the student's mean accuracy; the run's summary JSON is
    /// to_json(DistillResult).
    JobHandle submit_distill(const DistillSpec& spec, JobSink& sink);
    /// A continual-learning job (kind "continual"): EWC through the task sequence, then the
    /// baselines. The JobHandle result carries the status and EWC's average accuracy; the
    /// run's summary JSON is to_json(ContinualResult).
    JobHandle submit_continual(const ContinualSpec& spec, JobSink& sink);

    /// Parameter count of the model a spec describes (no training).
    static std::int64_t count_params(const TrainSpec& spec);
    /// "cpu", or the GPU's name when a usable CUDA device is present.
    static std::string device_name();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

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

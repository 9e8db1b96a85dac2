#pragma once
// What a running job tells the outside world. Value structs only: the engine knows nothing
// about terminals, Qt or logging.
#include <cstdint>
#include <string>

namespace sparq::engine {

struct QuantizeResult;  // quantize.h

enum class JobStatus { Queued, Running, Paused, Completed, Failed, Cancelled };
const char* to_string(JobStatus s);

/// The summary of a finished training job (also the CLI's --json object).
struct TrainResult {
    std::int64_t run_id = 0;
    JobStatus status = JobStatus::Queued;
    std::string error;                 // set when status == Failed
    double test_accuracy = 0.0;        // after the last completed epoch
    double best_test_accuracy = 0.0;
    double final_train_loss = 0.0;
    double train_samples_per_s = 0.0;  // training samples over time spent in training steps
    double step_ms = 0.0;              // mean wall time of one optimizer step
    int epochs = 0;                    // epochs completed (including resumed ones)
    std::int64_t params = 0;
    double wall_s = 0.0;
    double peak_rss_mb = 0.0;
    std::string checkpoint;            // last checkpoint written, if any
    std::string device = "cpu";
    /// Parameters touched per test input over all parameters, observed on the test set at the
    /// last evaluation (1 for dense models).
    double active_param_fraction = 1.0;
    std::int64_t dense_equivalent_params = 0;  // parameters of the model with every block on
    std::string precision = "fp32";    // fp32 | bf16 | fp16
    std::int64_t skipped_steps = 0;    // optimizer steps skipped by the loss scaler (inf/NaN)
    double loss_scale = 0.0;           // the loss scale at the end (0 = no loss scaling)
};
std::string to_json(const TrainResult& r);

struct JobProgress {
    std::int64_t run_id = 0;
    int epoch = 0;            // 1-based epoch in progress
    int epochs = 0;
    std::int64_t batch = 0;   // batches done in this epoch
    std::int64_t batches = 0;
    double loss = 0.0;        // running mean of this epoch
    double samples_per_s = 0.0;
};

struct EpochReport {
    std::int64_t run_id = 0;
    int epoch = 0;
    double train_loss = 0.0;
    double train_accuracy = 0.0;
    double test_loss = 0.0;
    double test_accuracy = 0.0;
    double seconds = 0.0;
    std::string checkpoint;   // written after this epoch, if any
};

/// An alert rule fired or cleared on one of the job's series (see profiler/alerts.h).
struct AlertReport {
    std::int64_t run_id = 0;
    bool fired = true;        // false: cleared
    std::string rule;         // "test accuracy decay"
    std::string series;       // "test/accuracy"
    std::string level;        // warning | error (info when cleared)
    std::string message;
    double value = 0.0;
    std::int64_t step = 0;
    std::int64_t time_ns = 0; // steady clock, the samples' time base
};

/// Receives a job's reports on the job's worker thread. Implementations must be quick
/// and thread-safe (hand the values over to their own thread).
class JobSink {
public:
    virtual ~JobSink() = default;
    virtual void on_started(std::int64_t /*run_id*/, const std::string& /*device*/) {}
    virtual void on_progress(const JobProgress&) {}
    virtual void on_epoch(const EpochReport&) {}
    virtual void on_log(const std::string& /*level*/, const std::string& /*message*/) {}
    virtual void on_finished(const TrainResult&) {}
    /// An alert fired or cleared. Called on the metric bus's consumer thread.
    virtual void on_alert(const AlertReport&) {}
    /// A quantization job's summary, just before on_finished.
    virtual void on_quantized(const QuantizeResult&) {}
};

}  // namespace sparq::engine

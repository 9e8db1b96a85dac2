#pragma once
// What a job's body gets from the engine: where its metrics go, its run, its folder, its
// device, its cancel/pause state and its sink. Every kind of job runs with one.
#include <torch/types.h>

#include <chrono>
#include <string>

#include "sparq/engine/device.h"
#include "sparq/engine/job.h"
#include "sparq/profiler/metric_bus.h"
#include "sparq/profiler/run_store.h"

namespace sparq::engine {

class JobState;

/// Thrown by a job's body to end it as cancelled with nothing to keep (an export, a sweep).
struct JobCancelled {};

struct JobContext {
    profiler::MetricBus& bus;
    profiler::RunId run = 0;
    std::string run_dir;                  // this run's files (checkpoints, models); empty = none
    JobState& job;
    JobSink& sink;
    profiler::RunStore* store = nullptr;  // events and artifacts; may be null
    Device device;                        // resolved once, when the job was submitted

    torch::Device torch_device() const {
        return device.cuda ? torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(device.index))
                           : torch::Device(torch::kCPU);
    }
    /// Between steps: blocks while the job is paused; true when it must stop.
    bool should_stop();
    bool cancel_requested() const;
    void log(const std::string& level, const std::string& message) { sink.on_log(level, message); }
    /// Progress of the whole job: what runs and how far (fraction of the job, 0 to 1).
    void progress(const std::string& stage, double fraction);
};

/// What every training loop shares: pause and cancel between steps, each step's time, the
/// throughput, the running loss of the epoch, and the progress report (at most ten a second,
/// and at the end of every epoch) placed in [from, to] of the whole job.
class StepProgress {
public:
    StepProgress(JobContext& ctx, std::string stage, int epochs, std::int64_t steps_per_epoch, double from = 0.0,
                 double to = 1.0);

    /// Before a step: blocks while paused; true when the job must stop. Starts the step's clock.
    bool stop();
    /// After a step of `samples` inputs whose mean loss was `loss`: returns the step's seconds.
    double step_done(double loss, std::int64_t samples);
    /// The next epoch begins (the first one begins at construction).
    void next_epoch();

    int epoch() const { return epoch_; }                 // 0-based
    std::int64_t step() const { return step_; }          // steps done, all epochs
    std::int64_t batch() const { return batch_; }        // steps done in this epoch
    double samples_per_s() const { return throughput_; } // smoothed over the last steps
    double epoch_loss() const { return seen_ > 0 ? loss_sum_ / double(seen_) : 0.0; }
    std::int64_t epoch_samples() const { return seen_; }

private:
    using Clock = std::chrono::steady_clock;
    void report();

    JobContext& ctx_;
    std::string stage_;
    int epochs_;
    std::int64_t steps_per_epoch_;
    double from_, to_;
    int epoch_ = 0;
    std::int64_t step_ = 0, batch_ = 0, seen_ = 0;
    double loss_sum_ = 0.0, throughput_ = 0.0;
    Clock::time_point step_start_ = Clock::now(), last_report_ = Clock::now() - std::chrono::seconds(1);
};

}  // namespace sparq::engine

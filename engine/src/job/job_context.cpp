#include "job/job_context.h"

#include <algorithm>

#include "job/job_state.h"

namespace sparq::engine {

bool JobContext::should_stop() { return job.should_stop(); }

bool JobContext::cancel_requested() const { return job.cancel_requested(); }

void JobContext::progress(const std::string& stage, double fraction) {
    JobProgress p;
    p.run_id = run;
    p.stage = stage;
    p.fraction = std::clamp(fraction, 0.0, 1.0);
    sink.on_progress(p);
}

StepProgress::StepProgress(JobContext& ctx, std::string stage, int epochs, std::int64_t steps_per_epoch, double from,
                           double to)
    : ctx_(ctx), stage_(std::move(stage)), epochs_(std::max(1, epochs)),
      steps_per_epoch_(std::max<std::int64_t>(1, steps_per_epoch)), from_(from), to_(to) {}

bool StepProgress::stop() {
    const bool stopping = ctx_.should_stop();
    step_start_ = Clock::now();  // a pause does not count as step time
    return stopping;
}

double StepProgress::step_done(double loss, std::int64_t samples) {
    const double dt = std::chrono::duration<double>(Clock::now() - step_start_).count();
    ++step_;
    ++batch_;
    seen_ += samples;
    loss_sum_ += loss * double(samples);
    if (dt > 0) {
        const double rate = double(samples) / dt;
        throughput_ = throughput_ == 0.0 ? rate : 0.9 * throughput_ + 0.1 * rate;
    }
    if (Clock::now() - last_report_ >= std::chrono::milliseconds(100) || batch_ == steps_per_epoch_) report();
    return dt;
}

void StepProgress::next_epoch() {
    ++epoch_;
    batch_ = 0;
    seen_ = 0;
    loss_sum_ = 0.0;
}

void StepProgress::report() {
    last_report_ = Clock::now();
    const double done = (double(epoch_) + double(std::min(batch_, steps_per_epoch_)) / double(steps_per_epoch_)) /
                        double(epochs_);
    JobProgress p;
    p.run_id = ctx_.run;
    p.stage = stage_;
    p.fraction = std::clamp(from_ + (to_ - from_) * done, 0.0, 1.0);
    p.epoch = epoch_ + 1;
    p.epochs = epochs_;
    p.batch = batch_;
    p.batches = steps_per_epoch_;
    p.loss = epoch_loss();
    p.samples_per_s = throughput_;
    ctx_.sink.on_progress(p);
}

}  // namespace sparq::engine

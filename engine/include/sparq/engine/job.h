#pragma once
// Jobs: every kind of work the engine does (train, quantize, distill, continual, serve, export,
// sweep) is submitted the same way (Engine::submit), runs on an engine worker, reports through
// a JobSink and is held through a Job<Result>: cancel, pause, status, progress, the typed result.
// Value structs only: the engine knows nothing about terminals, Qt or logging.
#include <any>
#include <cstdint>
#include <memory>
#include <string>

namespace sparq::engine {

/// The kinds of work; to_string gives the history's run kind ("train", "quantize", ...).
enum class JobKind { Train, Quantize, Distill, Continual, Serve, Export, Sweep };
const char* to_string(JobKind kind);

enum class JobStatus { Queued, Running, Paused, Completed, Failed, Cancelled };
const char* to_string(JobStatus status);

/// How far a job has come. Every kind fills `stage` and `fraction`; loops over epochs and
/// batches fill those fields too.
struct JobProgress {
    std::int64_t run_id = 0;
    std::string stage;          // what runs now: "training", "stage 2/3: task distillation", "policy kmeans"
    double fraction = 0.0;      // of the whole job, in [0, 1]
    int epoch = 0;              // 1-based epoch of the stage in progress (0: none)
    int epochs = 0;
    std::int64_t batch = 0;     // batches done in this epoch
    std::int64_t batches = 0;
    double loss = 0.0;          // running mean of this epoch
    double samples_per_s = 0.0;
};

/// Why a job failed: its input (a bad value, a missing or damaged file: the user can fix it),
/// an export that does not compute what the engine computes, or anything else.
enum class JobError { None, BadInput, Verification, Internal };

/// What every job ends with (JobSink::on_finished, JobHandle::wait).
struct JobEnd {
    std::int64_t run_id = 0;    // the run in the history (export: the run exported; sweep: 0)
    JobKind kind = JobKind::Train;
    JobStatus status = JobStatus::Completed;
    std::string error;          // set when Failed: one line naming what went wrong
    JobError error_kind = JobError::None;
    std::string device;         // the device that ran it: "cpu", "cuda:0"
    std::string summary_json;   // the result as the history keeps it ("{}" when it failed first)
    double wall_s = 0.0;
};

struct EpochReport {
    std::int64_t run_id = 0;
    int epoch = 0;
    double train_loss = 0.0;
    double train_accuracy = 0.0;
    double test_loss = 0.0;
    double test_accuracy = 0.0;
    double seconds = 0.0;
    std::string checkpoint;     // written after this epoch, if any
};

/// An alert rule fired or cleared on one of the job's series (see profiler/alerts.h).
struct AlertReport {
    std::int64_t run_id = 0;
    bool fired = true;          // false: cleared
    std::string rule;           // "test accuracy decay"
    std::string series;         // "test/accuracy"
    std::string level;          // warning | error (info when cleared)
    std::string message;
    double value = 0.0;
    std::int64_t step = 0;
    std::int64_t time_ns = 0;   // steady clock, the samples' time base
};

/// Receives a job's reports on the job's worker thread (alerts: on the metric bus's thread).
/// Implementations must be quick and thread-safe: hand the values over to their own thread.
class JobSink {
public:
    virtual ~JobSink() = default;
    /// The run is recorded and the job starts on `device` ("cpu", "cuda:0 (NVIDIA H200)").
    virtual void on_started(std::int64_t /*run_id*/, const std::string& /*device*/) {}
    virtual void on_progress(const JobProgress&) {}
    /// Training loops, after each epoch's evaluation.
    virtual void on_epoch(const EpochReport&) {}
    virtual void on_log(const std::string& /*level*/, const std::string& /*message*/) {}
    virtual void on_alert(const AlertReport&) {}
    /// Last report of every job. The handle's result follows at once: a sink that reads it
    /// waits for the handle first (JobHandle::wait returns as soon as it is there).
    virtual void on_finished(const JobEnd&) {}
};

class JobState;

/// A submitted job of any kind. Copyable; all copies refer to the same job.
class JobHandle {
public:
    JobHandle() = default;
    explicit JobHandle(std::shared_ptr<JobState> state);

    /// Asks the job to stop; it stops within a step and ends as Cancelled, keeping what it
    /// finished (checkpoints, the policies served, ...).
    void cancel() const;
    void pause() const;
    void resume() const;
    JobStatus status() const;
    JobKind kind() const;
    std::int64_t run_id() const;
    bool done() const;
    /// Blocks until the job ends (after its sink's last report).
    JobEnd wait() const;
    /// Waits at most timeout_ms; true when the job has ended.
    bool wait_for(int timeout_ms) const;
    /// The finished job's result, or nullptr while it runs, when it failed before producing
    /// one, or when R is not its result type.
    template <class R>
    const R* result() const {
        return std::any_cast<R>(result_any());
    }
    bool valid() const { return state_ != nullptr; }

private:
    const std::any* result_any() const;
    std::shared_ptr<JobState> state_;
};

/// A handle that knows its result type.
template <class R>
class Job : public JobHandle {
public:
    Job() = default;
    explicit Job(JobHandle handle) : JobHandle(std::move(handle)) {}
    /// Waits for the end and returns the result (a default one when the job failed before
    /// producing one: wait().error says why).
    R get() const {
        wait();
        const R* r = result<R>();
        return r ? *r : R{};
    }
};

}  // namespace sparq::engine

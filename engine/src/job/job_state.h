#pragma once
// The state a job's worker shares with its JobHandles: cancel and pause requests, status, and
// the end (JobEnd and the typed result).
#include <any>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "sparq/engine/job.h"

namespace sparq::engine {

class JobState {
public:
    explicit JobState(JobKind kind) : kind_(kind) {}

    JobKind kind() const { return kind_; }

    void request_cancel() {
        cancel_.store(true);
        std::lock_guard lock(mutex_);
        paused_ = false;
        cv_.notify_all();
    }
    void set_paused(bool paused) {
        std::lock_guard lock(mutex_);
        paused_ = paused;
        if (status_ == JobStatus::Running || status_ == JobStatus::Paused)
            status_ = paused ? JobStatus::Paused : JobStatus::Running;
        cv_.notify_all();
    }
    /// Called by the worker between steps: blocks while paused; true when it must stop.
    bool should_stop() {
        if (cancel_.load(std::memory_order_relaxed)) return true;
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return !paused_ || cancel_.load(); });
        return cancel_.load();
    }
    bool cancel_requested() const { return cancel_.load(); }
    /// The cancel flag itself, for loops that poll an atomic (serving's decode steps).
    const std::atomic<bool>& cancel_flag() const { return cancel_; }

    void set_status(JobStatus s) {
        std::lock_guard lock(mutex_);
        status_ = s;
        cv_.notify_all();
    }
    JobStatus status() const {
        std::lock_guard lock(mutex_);
        return status_;
    }
    void set_run_id(std::int64_t id) { run_id_.store(id); }
    std::int64_t run_id() const { return run_id_.load(); }

    void finish(JobEnd end, std::any result) {
        std::lock_guard lock(mutex_);
        end_ = std::move(end);
        result_ = std::move(result);
        status_ = end_.status;
        done_ = true;
        cv_.notify_all();
    }
    JobEnd wait() {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return done_; });
        return end_;
    }
    bool wait_for(int timeout_ms) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return done_; });
    }
    bool done() const {
        std::lock_guard lock(mutex_);
        return done_;
    }
    /// Only once done(): the result never changes after finish().
    const std::any* result() const {
        std::lock_guard lock(mutex_);
        return done_ && result_.has_value() ? &result_ : nullptr;
    }

    std::thread worker;  // owned by the Engine

private:
    const JobKind kind_;
    std::atomic<bool> cancel_{false};
    std::atomic<std::int64_t> run_id_{0};
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    bool paused_ = false;
    bool done_ = false;
    JobStatus status_ = JobStatus::Queued;
    JobEnd end_;
    std::any result_;
};

}  // namespace sparq::engine

#pragma once
// JobSinks of the command line: a progress bar on a terminal (stderr) with a line per epoch,
// or the job's log lines alone.
#include <functional>
#include <mutex>
#include <string>

#include "sparq/engine/job.h"

namespace sparq::cli {

/// Hands the job's log lines (info and warnings alike) to a function.
class LogSink : public engine::JobSink {
public:
    explicit LogSink(std::function<void(const std::string&)> log) : log_(std::move(log)) {}
    void on_log(const std::string& /*level*/, const std::string& message) override {
        std::lock_guard lock(mutex_);
        if (log_) log_(message);
    }

private:
    std::mutex mutex_;
    std::function<void(const std::string&)> log_;
};

class ProgressSink : public engine::JobSink {
public:
    /// bar: draw the in-place bar (only on a terminal); epochs: print a line per epoch.
    ProgressSink(bool bar, bool epochs) : bar_(bar), epochs_(epochs) {}
    void on_started(std::int64_t run_id, const std::string& device) override;
    void on_progress(const engine::JobProgress& p) override;
    void on_epoch(const engine::EpochReport& e) override;
    void on_log(const std::string& level, const std::string& message) override;

private:
    void clear_bar();
    std::mutex mutex_;
    bool bar_;
    bool epochs_;
    bool bar_drawn_ = false;
};

}  // namespace sparq::cli

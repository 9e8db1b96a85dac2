#pragma once
// A JobSink that draws a progress bar on a terminal (stderr) and reports epochs.
#include <mutex>

#include "sparq/engine/events.h"

namespace sparq::cli {

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

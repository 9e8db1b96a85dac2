#include "progress.h"

#include <cstdio>

namespace sparq::cli {

void ProgressSink::clear_bar() {
    if (bar_drawn_) {
        std::fputs("\r\033[2K", stderr);
        bar_drawn_ = false;
    }
}

void ProgressSink::on_started(std::int64_t run_id, const std::string& device) {
    std::lock_guard lock(mutex_);
    if (epochs_) std::fprintf(stderr, "run %lld started on %s\n", (long long)run_id, device.c_str());
}

void ProgressSink::on_progress(const engine::JobProgress& p) {
    if (!bar_) return;
    std::lock_guard lock(mutex_);
    // The whole job's share done; the stage, its epoch and its loss beside it.
    constexpr int kWidth = 30;
    const double frac = p.fraction;
    const int filled = static_cast<int>(frac * kWidth);
    char bar[kWidth + 1];
    for (int i = 0; i < kWidth; ++i) bar[i] = i < filled ? '#' : '.';
    bar[kWidth] = '\0';
    if (p.epochs > 0)
        std::fprintf(stderr, "\r\033[2K[%s] %3d%%  %s, epoch %d/%d  loss %.4f  %.0f samples/s", bar,
                     static_cast<int>(frac * 100), p.stage.c_str(), p.epoch, p.epochs, p.loss, p.samples_per_s);
    else
        std::fprintf(stderr, "\r\033[2K[%s] %3d%%  %s", bar, static_cast<int>(frac * 100), p.stage.c_str());
    std::fflush(stderr);
    bar_drawn_ = true;
}

void ProgressSink::on_epoch(const engine::EpochReport& e) {
    std::lock_guard lock(mutex_);
    clear_bar();
    if (epochs_)
        std::fprintf(stderr, "epoch %d: train loss %.4f  train acc %.4f  test loss %.4f  test acc %.4f  (%.1f s)\n",
                     e.epoch, e.train_loss, e.train_accuracy, e.test_loss, e.test_accuracy,
                     e.seconds);
}

void ProgressSink::on_log(const std::string& level, const std::string& message) {
    std::lock_guard lock(mutex_);
    clear_bar();
    if (epochs_ || level != "info") std::fprintf(stderr, "%s: %s\n", level.c_str(), message.c_str());
}

}  // namespace sparq::cli

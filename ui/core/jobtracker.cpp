#include "core/jobtracker.h"

namespace sparq::ui {

JobTracker::JobTracker(QObject* context) : guard_(std::make_shared<Guard>()) {
    guard_->context = context;
}

// A JobTracker is a member of its context, so it dies inside the context's destructor: once
// `context` is cleared no worker posts to it, and calls posted before are discarded by
// ~QObject together with the context's pending events.
JobTracker::~JobTracker() {
    std::lock_guard lock(guard_->mutex);
    guard_->context = nullptr;
    ++guard_->generation;
}

bool JobTracker::isJobRunning() const { return guard_->running.load(); }

std::uint64_t JobTracker::generation() const { return guard_->generation.load(); }

}  // namespace sparq::ui

#include "core/joblane.h"

namespace sparq::ui {

JobLane::JobLane(engine::JobKind kind, QString name, std::any spec, QObject* parent)
    : QObject(parent), kind_(kind), name_(std::move(name)), spec_(std::move(spec)) {
    qRegisterMetaType<engine::JobProgress>();
    qRegisterMetaType<engine::EpochReport>();
    qRegisterMetaType<engine::JobEnd>();
    qRegisterMetaType<engine::AlertReport>();
}

void JobLane::stop() {
    if (running_ && handle_.valid()) handle_.cancel();
}

// Each override captures value copies and posts the emission to the lane's thread. Posted
// calls to a destroyed lane are discarded by Qt with the lane's event queue.
void JobLane::on_started(std::int64_t run_id, const std::string& device) {
    QMetaObject::invokeMethod(
        this,
        [this, run_id, device = QString::fromStdString(device)] {
            runId_ = run_id;
            device_ = device;
            emit started(qint64(run_id), device);
        },
        Qt::QueuedConnection);
}

void JobLane::on_progress(const engine::JobProgress& p) {
    {
        std::lock_guard lock(progressMutex_);
        latestProgress_ = p;
        if (progressQueued_) return;
        progressQueued_ = true;
    }
    QMetaObject::invokeMethod(
        this,
        [this] {
            engine::JobProgress latest;
            {
                std::lock_guard lock(progressMutex_);
                latest = latestProgress_;
                progressQueued_ = false;
            }
            emit progress(latest);
        },
        Qt::QueuedConnection);
}

void JobLane::on_epoch(const engine::EpochReport& report) {
    QMetaObject::invokeMethod(this, [this, report] { emit epoch(report); }, Qt::QueuedConnection);
}

void JobLane::on_log(const std::string& level, const std::string& message) {
    QMetaObject::invokeMethod(
        this,
        [this, level = QString::fromStdString(level), message = QString::fromStdString(message)] {
            emit log(level, message);
        },
        Qt::QueuedConnection);
}

void JobLane::on_alert(const engine::AlertReport& report) {
    QMetaObject::invokeMethod(this, [this, report] { emit alert(report); }, Qt::QueuedConnection);
}

void JobLane::on_finished(const engine::JobEnd& end) {
    QMetaObject::invokeMethod(
        this,
        [this, end] {
            // The engine sets the handle's result right after this report: wait for it.
            if (handle_.valid()) handle_.wait();
            if (end.run_id) runId_ = end.run_id;
            end_ = end;
            running_ = false;
            emit finished(end);
        },
        Qt::QueuedConnection);
}

}  // namespace sparq::ui

#include "core/jobbridge.h"

namespace sparq::ui {

JobBridge::JobBridge(QObject* parent) : QObject(parent) {
    qRegisterMetaType<engine::JobProgress>();
    qRegisterMetaType<engine::EpochReport>();
    qRegisterMetaType<engine::TrainResult>();
    qRegisterMetaType<engine::QuantizeResult>();
    qRegisterMetaType<engine::AlertReport>();
}

// Each override captures value copies and posts the emission to the bridge's thread. Posted
// calls to a destroyed bridge are discarded by Qt with the bridge's event queue.
void JobBridge::on_started(std::int64_t run_id, const std::string& device) {
    QMetaObject::invokeMethod(
        this, [this, run_id, device = QString::fromStdString(device)] {
            emit started(qint64(run_id), device);
        },
        Qt::QueuedConnection);
}

void JobBridge::on_progress(const engine::JobProgress& p) {
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

void JobBridge::on_epoch(const engine::EpochReport& report) {
    QMetaObject::invokeMethod(
        this, [this, report] { emit epoch(report); }, Qt::QueuedConnection);
}

void JobBridge::on_log(const std::string& level, const std::string& message) {
    QMetaObject::invokeMethod(
        this,
        [this, level = QString::fromStdString(level), message = QString::fromStdString(message)] {
            emit log(level, message);
        },
        Qt::QueuedConnection);
}

void JobBridge::on_finished(const engine::TrainResult& result) {
    QMetaObject::invokeMethod(
        this, [this, result] { emit finished(result); }, Qt::QueuedConnection);
}

void JobBridge::on_quantized(const engine::QuantizeResult& result) {
    QMetaObject::invokeMethod(
        this, [this, result] { emit quantized(result); }, Qt::QueuedConnection);
}

void JobBridge::on_alert(const engine::AlertReport& report) {
    QMetaObject::invokeMethod(
        this, [this, report] { emit alert(report); }, Qt::QueuedConnection);
}

}  // namespace sparq::ui

#pragma once
// JobBridge: adapts the engine's JobSink (called on a job's worker thread) to Qt signals.
// Every report is copied and re-emitted on the bridge's own (UI) thread through a queued
// call, so receivers never run on an engine thread. Progress reports are coalesced. A bridge
// must outlive the jobs it serves. The workbench keeps one bridge per kind of job (training,
// quantization), so a page listens only to the jobs it draws.
#include <cstdint>
#include <mutex>
#include <string>

#include <QMetaType>
#include <QObject>
#include <QString>

#include "sparq/engine/events.h"
#include "sparq/engine/quantize.h"

Q_DECLARE_METATYPE(sparq::engine::JobProgress)
Q_DECLARE_METATYPE(sparq::engine::EpochReport)
Q_DECLARE_METATYPE(sparq::engine::TrainResult)
Q_DECLARE_METATYPE(sparq::engine::QuantizeResult)
Q_DECLARE_METATYPE(sparq::engine::AlertReport)

namespace sparq::ui {

class JobBridge : public QObject, public engine::JobSink {
    Q_OBJECT
public:
    explicit JobBridge(QObject* parent = nullptr);

    // engine::JobSink (job worker thread)
    void on_started(std::int64_t run_id, const std::string& device) override;
    void on_progress(const engine::JobProgress& progress) override;
    void on_epoch(const engine::EpochReport& report) override;
    void on_log(const std::string& level, const std::string& message) override;
    void on_finished(const engine::TrainResult& result) override;
    void on_quantized(const engine::QuantizeResult& result) override;
    /// Called on the metric bus's consumer thread; re-emitted as alert() on the UI thread.
    void on_alert(const engine::AlertReport& report) override;

signals:
    void started(qint64 runId, const QString& device);
    void progress(const sparq::engine::JobProgress& progress);
    void epoch(const sparq::engine::EpochReport& report);
    void log(const QString& level, const QString& message);
    void finished(const sparq::engine::TrainResult& result);
    /// A quantization job's summary; arrives just before its finished().
    void quantized(const sparq::engine::QuantizeResult& result);
    /// An alert rule fired or cleared on one of the job's series.
    void alert(const sparq::engine::AlertReport& report);

private:
    // Progress may come once per batch; only the newest one is worth drawing, so at most one
    // progress emission is queued at a time.
    std::mutex progressMutex_;
    engine::JobProgress latestProgress_;
    bool progressQueued_ = false;
};

}  // namespace sparq::ui

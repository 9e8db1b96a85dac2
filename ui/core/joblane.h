#pragma once
// JobLane: one submitted job of any kind, as the GUI sees it. It is the job's JobSink: every
// report (called on the job's worker thread) is copied and re-emitted on the lane's own (UI)
// thread through a queued call, so receivers never run on an engine thread; progress reports
// are coalesced. It keeps what the GUI shows of the job: kind, name, run, device, spec, and the
// typed result once it ended. The Workbench owns the lanes (one per running job, and the last
// of each kind); a lane outlives its job.
#include <any>
#include <cstdint>
#include <mutex>
#include <string>

#include <QMetaType>
#include <QObject>
#include <QString>

#include "sparq/engine/job.h"

Q_DECLARE_METATYPE(sparq::engine::JobProgress)
Q_DECLARE_METATYPE(sparq::engine::EpochReport)
Q_DECLARE_METATYPE(sparq::engine::JobEnd)
Q_DECLARE_METATYPE(sparq::engine::AlertReport)

namespace sparq::ui {

class JobLane : public QObject, public engine::JobSink {
    Q_OBJECT
public:
    /// `name`: engine::run_name(spec); `spec`: the spec submitted (a copy, for pages to read).
    JobLane(engine::JobKind kind, QString name, std::any spec, QObject* parent = nullptr);

    engine::JobKind kind() const { return kind_; }
    /// "mlp-fashion", "mlp-fashion int8 qat", "serve-bench of 5 policies", ...
    const QString& name() const { return name_; }
    /// The run in the history: 0 until started() (export: the run exported; sweep: 0).
    qint64 runId() const { return runId_; }
    /// The device the job runs on, once started ("cpu", "cuda:0 (NVIDIA H200)").
    const QString& device() const { return device_; }
    bool isRunning() const { return running_; }
    /// The spec the job was submitted with.
    template <class Spec>
    const Spec& spec() const {
        return std::any_cast<const Spec&>(spec_);
    }
    /// The job's typed result once it has ended; nullptr before, or when it failed.
    template <class R>
    const R* result() const {
        return handle_.result<R>();
    }
    /// How it ended (valid once finished() was emitted).
    const engine::JobEnd& end() const { return end_; }
    /// Asks the job to stop (it ends as cancelled within a step).
    void stop();

    /// Set by the workbench once the engine accepted the job.
    void setHandle(engine::JobHandle handle) { handle_ = std::move(handle); }

    // engine::JobSink (a job's worker thread; alerts: the bus's consumer thread)
    void on_started(std::int64_t run_id, const std::string& device) override;
    void on_progress(const engine::JobProgress& progress) override;
    void on_epoch(const engine::EpochReport& report) override;
    void on_log(const std::string& level, const std::string& message) override;
    void on_alert(const engine::AlertReport& report) override;
    void on_finished(const engine::JobEnd& end) override;

signals:
    void started(qint64 runId, const QString& device);
    void progress(const sparq::engine::JobProgress& progress);
    /// Training loops, after each epoch's evaluation.
    void epoch(const sparq::engine::EpochReport& report);
    void log(const QString& level, const QString& message);
    /// An alert rule fired or cleared on one of the job's series.
    void alert(const sparq::engine::AlertReport& report);
    /// The job ended; result<R>() and end() hold how.
    void finished(const sparq::engine::JobEnd& end);

private:
    const engine::JobKind kind_;
    const QString name_;
    const std::any spec_;
    engine::JobHandle handle_;
    qint64 runId_ = 0;
    QString device_;
    bool running_ = true;
    engine::JobEnd end_;
    // Progress may come once per batch; only the newest one is worth drawing, so at most one
    // progress emission is queued at a time.
    std::mutex progressMutex_;
    engine::JobProgress latestProgress_;
    bool progressQueued_ = false;
};

}  // namespace sparq::ui

#pragma once
// Workbench: the GUI's core objects in one place. It owns the metric bus, the run history
// (opened once, at start-up) and the engine, plus the JobBridges through which the job it
// runs reports back (one for training jobs, one for quantization jobs). It runs one job at a
// time. Pages get it by pointer; it is not a widget.
#include <memory>
#include <string>

#include <QObject>
#include <QString>

#include "sparq/engine/engine.h"
#include "sparq/engine/quantize.h"
#include "sparq/engine/specs.h"
#include "sparq/profiler/metric_bus.h"
#include "sparq/profiler/run_store.h"

namespace sparq::ui {

class JobBridge;

class Workbench : public QObject {
    Q_OBJECT
public:
    enum class JobKind { Train, Quantize };

    struct Options {
        std::string dbPath;         // history database; empty = profiler::default_db_path()
        std::string dataDir;        // Fashion-MNIST folder for jobs; empty = engine default
        std::string workspaceRoot;  // checkpoints; empty = profiler::default_workspace_root()
    };

    /// Opens the history (throws profiler::StoreError) and creates the engine.
    explicit Workbench(Options options, QObject* parent = nullptr);
    ~Workbench() override;  // cancels and joins a running job

    profiler::MetricBus& bus() { return *bus_; }
    profiler::RunStore& store() { return *store_; }
    engine::Engine& engine() { return *engine_; }
    /// Reports of training jobs.
    JobBridge* bridge() const { return bridge_.get(); }
    /// Reports of quantization jobs.
    JobBridge* quantizeBridge() const { return quantizeBridge_.get(); }

    const std::string& dbPath() const { return options_.dbPath; }
    const std::string& dataDir() const { return options_.dataDir; }
    /// Engine::device_name(), read once.
    const QString& deviceName() const { return device_; }

    /// Submits a training job (returns at once; the run id arrives through bridge()->started).
    /// Fills in the data folder given at start-up when the spec names none. Throws
    /// engine::ConfigError (or another std::exception) when the job cannot be submitted.
    void start(engine::TrainSpec spec);
    /// Submits a quantization job; reports arrive through quantizeBridge(). Fills in the
    /// data folder like start(). Throws engine::ConfigError when it cannot be submitted.
    void startQuantize(engine::QuantizeSpec spec);
    /// Asks the running job to stop (it ends as cancelled within a batch).
    void stop();
    /// True while a job of either kind runs.
    bool isRunning() const { return running_; }
    /// True while a training job runs.
    bool isTraining() const { return running_ && kind_ == JobKind::Train; }
    /// Kind of the running (or last) job.
    JobKind currentKind() const { return kind_; }
    /// The spec of the running (or last) training job.
    const engine::TrainSpec& currentSpec() const { return spec_; }
    /// Run id of the running (or last) training job; 0 before its start is reported.
    qint64 currentRun() const { return runId_; }
    /// The spec of the running (or last) quantization job.
    const engine::QuantizeSpec& currentQuantizeSpec() const { return quantizeSpec_; }
    /// Run id of the running (or last) quantization job; 0 before its start is reported.
    qint64 currentQuantizeRun() const { return quantizeRunId_; }
    /// What the running (or last) job is, for a status line: "mlp-fashion",
    /// "mlp-fashion int8 qat".
    QString currentJobName() const;

signals:
    void runningChanged(bool running);

private:
    Options options_;
    QString device_;
    // Destruction runs bottom-up: the engine (joining its jobs) goes before the bridge its
    // jobs report to, the store detaches before the bus it listens to is gone.
    std::unique_ptr<profiler::MetricBus> bus_;
    std::unique_ptr<profiler::RunStore> store_;
    std::unique_ptr<JobBridge> bridge_;
    std::unique_ptr<JobBridge> quantizeBridge_;
    std::unique_ptr<engine::Engine> engine_;

    engine::JobHandle job_;
    JobKind kind_ = JobKind::Train;
    engine::TrainSpec spec_;
    qint64 runId_ = 0;
    engine::QuantizeSpec quantizeSpec_;
    qint64 quantizeRunId_ = 0;
    bool running_ = false;
};

}  // namespace sparq::ui

#pragma once
// Workbench: the GUI's core objects in one place. It owns the metric bus, the run history
// (opened once, at start-up) and the engine, plus the JobBridge through which the job it
// runs reports back. Pages get it by pointer; it is not a widget.
#include <memory>
#include <string>

#include <QObject>
#include <QString>

#include "sparq/engine/engine.h"
#include "sparq/engine/specs.h"
#include "sparq/profiler/metric_bus.h"
#include "sparq/profiler/run_store.h"

namespace sparq::ui {

class JobBridge;

class Workbench : public QObject {
    Q_OBJECT
public:
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
    JobBridge* bridge() const { return bridge_.get(); }

    const std::string& dbPath() const { return options_.dbPath; }
    const std::string& dataDir() const { return options_.dataDir; }
    /// Engine::device_name(), read once.
    const QString& deviceName() const { return device_; }

    /// Submits a training job (returns at once; the run id arrives through bridge()->started).
    /// Fills in the data folder given at start-up when the spec names none. Throws
    /// engine::ConfigError (or another std::exception) when the job cannot be submitted.
    void start(engine::TrainSpec spec);
    /// Asks the running job to stop (it ends as cancelled within a batch).
    void stop();
    bool isRunning() const { return running_; }
    /// The spec of the running (or last) job.
    const engine::TrainSpec& currentSpec() const { return spec_; }
    /// Run id of the running (or last) job; 0 before its start is reported.
    qint64 currentRun() const { return runId_; }

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
    std::unique_ptr<engine::Engine> engine_;

    engine::JobHandle job_;
    engine::TrainSpec spec_;
    qint64 runId_ = 0;
    bool running_ = false;
};

}  // namespace sparq::ui

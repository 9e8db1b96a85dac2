#pragma once
// Workbench: the GUI's core objects in one place. It owns the metric bus, the run history
// (opened once, at start-up) and the engine, plus the JobBridges through which the job it
// runs reports back (one per kind of job: training, quantization, distillation, continual
// learning). It runs one job at a time. Pages get it by pointer; it is not a widget.
#include <array>
#include <memory>
#include <string>

#include <QObject>
#include <QString>

#include "sparq/engine/continual.h"
#include "sparq/engine/distill.h"
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
    enum class JobKind { Train, Quantize, Distill, Continual };

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
    JobBridge* bridge() const { return bridgeOf(JobKind::Train); }
    /// Reports of quantization jobs.
    JobBridge* quantizeBridge() const { return bridgeOf(JobKind::Quantize); }
    /// Reports of distillation jobs (the teacher's training included).
    JobBridge* distillBridge() const { return bridgeOf(JobKind::Distill); }
    /// Reports of continual-learning jobs.
    JobBridge* continualBridge() const { return bridgeOf(JobKind::Continual); }
    JobBridge* bridgeOf(JobKind kind) const { return lanes_[std::size_t(kind)].bridge.get(); }

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
    /// Submits a distillation job; reports arrive through distillBridge(). Fills in the data
    /// folder like start(). Throws engine::ConfigError when it cannot be submitted.
    void startDistill(engine::DistillSpec spec);
    /// Submits a continual-learning job; reports arrive through continualBridge(). Fills in
    /// the data folder like start(). Throws engine::ConfigError when it cannot be submitted.
    void startContinual(engine::ContinualSpec spec);
    /// The engine's objection to a spec (engine::validate), or an empty string when it would
    /// be accepted.
    static QString validationError(const engine::DistillSpec& spec);
    static QString validationError(const engine::ContinualSpec& spec);
    /// Asks the running job to stop (it ends as cancelled within a batch).
    void stop();
    /// Opens the history at dbPath() again, with a new engine on it: after a damaged file was
    /// moved aside, this starts a new history there. Refused (engine::ConfigError) while a job
    /// runs; throws profiler::StoreError when the file cannot be opened, and jobs are then
    /// refused until a later call succeeds.
    void reopenHistory();
    /// True while a job of either kind runs.
    bool isRunning() const { return running_; }
    /// True while a training job runs.
    bool isTraining() const { return running_ && kind_ == JobKind::Train; }
    /// Kind of the running (or last) job.
    JobKind currentKind() const { return kind_; }
    /// The spec of the running (or last) training job.
    const engine::TrainSpec& currentSpec() const { return spec_; }
    /// Run id of the running (or last) training job; 0 before its start is reported.
    qint64 currentRun() const { return runOf(JobKind::Train); }
    /// The spec of the running (or last) quantization job.
    const engine::QuantizeSpec& currentQuantizeSpec() const { return quantizeSpec_; }
    /// Run id of the running (or last) quantization job; 0 before its start is reported.
    qint64 currentQuantizeRun() const { return runOf(JobKind::Quantize); }
    /// The spec of the running (or last) distillation job.
    const engine::DistillSpec& currentDistillSpec() const { return distillSpec_; }
    /// Run id of the running (or last) distillation job; 0 before its start is reported.
    qint64 currentDistillRun() const { return runOf(JobKind::Distill); }
    /// The spec of the running (or last) continual-learning job.
    const engine::ContinualSpec& currentContinualSpec() const { return continualSpec_; }
    /// Run id of the running (or last) continual-learning job; 0 before its start is reported.
    qint64 currentContinualRun() const { return runOf(JobKind::Continual); }
    /// Run id of the running (or last) job of a kind; 0 before its start is reported.
    qint64 runOf(JobKind kind) const { return lanes_[std::size_t(kind)].runId; }
    /// What the running (or last) job is, for a status line: "mlp-fashion",
    /// "mlp-fashion int8 qat", "student-fashion from cnn-fashion", "permuted fashion x10 ewc".
    QString currentJobName() const;

signals:
    void runningChanged(bool running);
    /// reopenHistory() put a new history in place.
    void historyReopened();

private:
    // Each kind of job reports through its own bridge and keeps its last run id.
    struct Lane {
        std::unique_ptr<JobBridge> bridge;
        qint64 runId = 0;
    };
    static constexpr std::size_t kKinds = 4;

    /// Checks and submits a job of `kind` (`submit` hands it to the engine), keeping its
    /// spec in `current` before runningChanged goes out.
    /// Closes the store and engine there are, opens the store at dbPath() and creates the
    /// engine on it. When the store cannot be opened (throws), there are none until a later call.
    void openHistory();
    template <typename Spec, typename Submit>
    void launch(JobKind kind, Spec spec, Spec& current, Submit submit);

    Options options_;
    QString device_;
    // Destruction runs bottom-up: the engine (joining its jobs) goes before the bridges its
    // jobs report to, the store detaches before the bus it listens to is gone.
    std::unique_ptr<profiler::MetricBus> bus_;
    std::unique_ptr<profiler::RunStore> store_;
    std::array<Lane, kKinds> lanes_;
    std::unique_ptr<engine::Engine> engine_;

    engine::JobHandle job_;
    JobKind kind_ = JobKind::Train;
    engine::TrainSpec spec_;
    engine::QuantizeSpec quantizeSpec_;
    engine::DistillSpec distillSpec_;
    engine::ContinualSpec continualSpec_;
    bool running_ = false;
};

}  // namespace sparq::ui

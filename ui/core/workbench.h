#pragma once
// Workbench: the GUI's core objects in one place. It owns the metric bus, the run history
// (opened once, at start-up) and the engine, plus the JobBridges through which the job it
// runs reports back (one per kind of job: training, quantization, distillation, continual
// learning, serving). It runs one job at a time. Pages get it by pointer; it is not a widget.
#include <array>
#include <memory>
#include <string>
#include <atomic>
#include <thread>

#include <QObject>
#include <QString>

#include "sparq/engine/continual.h"
#include "sparq/engine/distill.h"
#include "sparq/engine/engine.h"
#include "sparq/engine/quantize.h"
#include "sparq/engine/serving.h"
#include "sparq/engine/specs.h"
#include "sparq/profiler/metric_bus.h"
#include "sparq/profiler/run_store.h"

Q_DECLARE_METATYPE(sparq::engine::ServeBenchReport)

namespace sparq::ui {

class JobBridge;

class Workbench : public QObject {
    Q_OBJECT
public:
    enum class JobKind { Train, Quantize, Distill, Continual, Serve };

    struct Options {
        std::string dbPath;         // history database; empty = profiler::default_db_path()
        std::string dataDir;        // Fashion-MNIST folder for jobs; empty = engine default
        std::string workspaceRoot;  // checkpoints; empty = profiler::default_workspace_root()
        double opsWindow = 0.2;     // share of each profiler period with operators recorded (1 = all)
    };

    /// Opens the history (throws profiler::StoreError) and creates the engine.
    explicit Workbench(Options options, QObject* parent = nullptr);
    ~Workbench() override;  // cancels and joins a running job (waits for a serving benchmark)

    profiler::MetricBus& bus() { return *bus_; }
    /// The history; only while hasHistory().
    profiler::RunStore& store() { return *store_; }
    /// False when the history could not be opened (jobs are refused until reopenHistory()).
    bool hasHistory() const { return bool(store_); }
    engine::Engine& engine() { return *engine_; }
    /// Reports of training jobs.
    JobBridge* bridge() const { return bridgeOf(JobKind::Train); }
    /// Reports of quantization jobs.
    JobBridge* quantizeBridge() const { return bridgeOf(JobKind::Quantize); }
    /// Reports of distillation jobs (the teacher's training included).
    JobBridge* distillBridge() const { return bridgeOf(JobKind::Distill); }
    /// Reports of continual-learning jobs.
    JobBridge* continualBridge() const { return bridgeOf(JobKind::Continual); }
    /// Reports of serving benchmarks: log lines (model training progress among them) and the end.
    JobBridge* serveBridge() const { return bridgeOf(JobKind::Serve); }
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
    /// Runs a serving benchmark (engine::serve_bench: one policy, or each of spec.compare in turn)
    /// on a thread of its own, publishing its live series on the bus and recording it in the
    /// history. Reports arrive through serveBridge(): log lines, then finished() with the run id
    /// and the status (failed, with the error, when the engine threw); served() brings the report
    /// just before finished(). Fills in the history's path when the spec names none, so the model
    /// cache defaults to models/ beside it. The engine offers no way to stop a benchmark: it runs
    /// to its end (canStop() is false meanwhile). Throws engine::ConfigError when it cannot start.
    void startServe(engine::ServeBenchSpec spec);
    /// The engine's objection to a spec (engine::validate), or an empty string when it would
    /// be accepted.
    static QString validationError(const engine::DistillSpec& spec);
    static QString validationError(const engine::ContinualSpec& spec);
    static QString validationError(const engine::ServeBenchSpec& spec);
    /// Asks the running job to stop (it ends as cancelled within a batch). A serving benchmark
    /// cannot be stopped and is left running.
    void stop();
    /// True while a job runs that stop() can stop (any job but a serving benchmark).
    bool canStop() const { return running_; }
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
    /// The spec of the running (or last) serving benchmark.
    const engine::ServeBenchSpec& currentServeSpec() const { return serveSpec_; }
    /// Run id of the last serving benchmark; 0 while it runs (the history's id comes with its end).
    qint64 currentServeRun() const { return runOf(JobKind::Serve); }
    /// Run id of the running (or last) job of a kind; 0 before its start is reported.
    qint64 runOf(JobKind kind) const { return lanes_[std::size_t(kind)].runId; }
    /// What the running (or last) job is, for a status line: "mlp-fashion",
    /// "mlp-fashion int8 qat", "student-fashion from cnn-fashion", "permuted fashion x10 ewc",
    /// "serve-bench kmeans", "serve-bench of 5 policies".
    QString currentJobName() const;

signals:
    void runningChanged(bool running);
    /// reopenHistory() put a new history in place.
    void historyReopened();
    /// A serving benchmark ended with this report (its results, one per policy); serveBridge()'s
    /// finished() follows.
    void served(const sparq::engine::ServeBenchReport& report);

private:
    // Each kind of job reports through its own bridge and keeps its last run id.
    struct Lane {
        std::unique_ptr<JobBridge> bridge;
        qint64 runId = 0;
    };
    static constexpr std::size_t kKinds = 5;

    /// Checks and submits a job of `kind` (`submit` hands it to the engine), keeping its
    /// spec in `current` before runningChanged goes out.
    /// Closes the store and engine there are, opens the store at dbPath() and creates the
    /// engine on it. When the store cannot be opened (throws), there are none until a later call.
    void openHistory();
    template <typename Spec, typename Submit>
    void launch(JobKind kind, Spec spec, Spec& current, Submit submit);
    /// Throws engine::ConfigError when no job can start now (one runs, or no history is open).
    void checkCanStart() const;

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
    engine::ServeBenchSpec serveSpec_;
    // serve_bench runs here, to its end; joined when it reports back, or by the destructor before
    // the bus and the history it writes to are gone.
    std::thread serveThread_;
    std::atomic<bool> serveStop_{false};  // stop(): serve_bench ends within a decode step
    bool running_ = false;
};

}  // namespace sparq::ui

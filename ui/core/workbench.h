#pragma once
// Workbench: the GUI's core objects in one place. It owns the metric bus, the run history
// (opened once, at start-up), the engine, and one JobLane per running job (and the last lane of
// each kind). Every kind of job is started the same way, start(spec); a page drives one job of
// its kind at a time, and jobs of different kinds may run side by side. Pages get it by
// pointer; it is not a widget.
#include <array>
#include <memory>
#include <string>
#include <vector>

#include <QObject>
#include <QString>

#include "core/joblane.h"
#include "sparq/engine/engine.h"
#include "sparq/profiler/metric_bus.h"
#include "sparq/profiler/run_store.h"

namespace sparq::ui {

class Workbench : public QObject {
    Q_OBJECT
public:
    using JobKind = engine::JobKind;

    struct Options {
        std::string dbPath;         // history database; empty = profiler::default_db_path()
        std::string dataDir;        // Fashion-MNIST folder for jobs; empty = engine default
        std::string workspaceRoot;  // checkpoints; empty = profiler::default_workspace_root()
        double opsWindow = 0.2;     // share of each profiler period with operators recorded (1 = all)
    };

    /// Opens the history (throws profiler::StoreError) and creates the engine.
    explicit Workbench(Options options, QObject* parent = nullptr);
    ~Workbench() override;  // cancels and joins the running jobs

    profiler::MetricBus& bus() { return *bus_; }
    /// The history; only while hasHistory().
    profiler::RunStore& store() { return *store_; }
    /// False when the history could not be opened (jobs are refused until reopenHistory()).
    bool hasHistory() const { return bool(store_); }
    engine::Engine& engine() { return *engine_; }

    const std::string& dbPath() const { return options_.dbPath; }
    const std::string& dataDir() const { return options_.dataDir; }
    /// Where a job asking for "auto" runs here ("cpu", "cuda:0 (NVIDIA H200)"), read once.
    const QString& defaultDevice() const { return defaultDevice_; }

    /// Submits a job of any kind (TrainSpec, QuantizeSpec, DistillSpec, ContinualSpec,
    /// ServeBenchSpec, ExportSpec, SweepSpec) and returns its lane at once; the lane's signals
    /// report the job. Fills in the data folder given at start-up when the spec names none.
    /// Throws engine::ConfigError when the job cannot start: a bad spec or device, a job of the
    /// same kind still running, or no history open.
    template <class Spec>
    JobLane* start(Spec spec);
    /// The engine's objection to a spec (validate), or an empty string when it would be accepted.
    template <class Spec>
    static QString validationError(const Spec& spec);

    /// The running (or last) lane of a kind; nullptr before the first such job.
    JobLane* lane(JobKind kind) const { return lanes_[std::size_t(kind)]; }
    /// The run of the running (or last) job of a kind; 0 before one started.
    qint64 runOf(JobKind kind) const { return lane(kind) ? lane(kind)->runId() : 0; }
    /// The spec of the running (or last) job of Spec's kind; a default spec before any.
    template <class Spec>
    Spec specOf() const {
        const JobLane* l = lane(engine::kind_of(Spec{}));
        return l ? l->spec<Spec>() : Spec{};
    }
    /// True while any job runs.
    bool isRunning() const { return runningCount_ > 0; }
    /// True while a job of `kind` runs.
    bool isRunning(JobKind kind) const { return lane(kind) && lane(kind)->isRunning(); }
    /// The running lanes, oldest first.
    std::vector<JobLane*> runningLanes() const;
    /// Asks the running job of a kind to stop (it ends as cancelled within a step).
    void stop(JobKind kind);
    /// Asks every running job to stop.
    void stopAll();
    /// Runs `slot` (with `context`) on `signal` of every lane of `kind` started from now on.
    template <class Signal, class Slot>
    void onLanes(JobKind kind, QObject* context, Signal signal, Slot slot) {
        connect(this, &Workbench::laneStarted, context, [kind, context, signal, slot](JobLane* lane) {
            if (lane->kind() == kind) connect(lane, signal, context, slot);
        });
    }

    /// Opens the history at dbPath() again, with a new engine on it: after a damaged file was
    /// moved aside, this starts a new history there. Refused (engine::ConfigError) while a job
    /// runs; throws profiler::StoreError when the file cannot be opened, and jobs are then
    /// refused until a later call succeeds.
    void reopenHistory();

signals:
    /// A job was submitted; its lane reports it from now on (emitted before any report).
    void laneStarted(sparq::ui::JobLane* lane);
    /// A job ended (after its lane's finished()).
    void laneFinished(sparq::ui::JobLane* lane);
    /// Some job runs now (true), or none any more (false).
    void runningChanged(bool running);
    /// reopenHistory() put a new history in place.
    void historyReopened();

private:
    static constexpr std::size_t kKinds = 7;

    /// Closes the store and engine there are, opens the store at dbPath() and creates the
    /// engine on it. When the store cannot be opened (throws), there are none until a later call.
    void openHistory();
    /// Checks that a job of `kind` can start now; throws engine::ConfigError.
    void checkCanStart(JobKind kind) const;
    /// Makes `lane` the lane of its kind (the previous one goes once its job has ended).
    void adopt(JobLane* lane);

    Options options_;
    QString defaultDevice_;
    // Destruction runs bottom-up: the engine (joining its jobs) goes before the lanes its jobs
    // report to, the store detaches before the bus it listens to is gone.
    std::unique_ptr<profiler::MetricBus> bus_;
    std::unique_ptr<profiler::RunStore> store_;
    std::vector<std::unique_ptr<JobLane>> owned_;  // running lanes and the last of each kind
    std::array<JobLane*, kKinds> lanes_{};
    int runningCount_ = 0;
    std::unique_ptr<engine::Engine> engine_;
};

template <class Spec>
QString Workbench::validationError(const Spec& spec) {
    try {
        engine::validate(spec);
    } catch (const std::exception& e) {
        return QString::fromUtf8(e.what());
    }
    return {};
}

}  // namespace sparq::ui

#include "core/workbench.h"

#include <exception>

#include <QMetaObject>

#include "core/jobbridge.h"
#include "sparq/engine/errors.h"

namespace sparq::ui {

Workbench::Workbench(Options options, QObject* parent)
    : QObject(parent), options_(std::move(options)) {
    if (options_.dbPath.empty()) options_.dbPath = profiler::default_db_path();
    if (options_.workspaceRoot.empty()) options_.workspaceRoot = profiler::default_workspace_root();

    qRegisterMetaType<engine::ServeBenchReport>();
    bus_ = std::make_unique<profiler::MetricBus>();
    for (Lane& lane : lanes_) lane.bridge = std::make_unique<JobBridge>();
    openHistory();
    device_ = QString::fromStdString(engine::Engine::device_name());

    // Connected before any page connects, so pages see isRunning() already updated.
    for (std::size_t k = 0; k < kKinds; ++k) {
        const auto kind = JobKind(k);
        Lane& lane = lanes_[k];
        connect(lane.bridge.get(), &JobBridge::started, this, [&lane](qint64 runId, const QString&) {
            lane.runId = runId;
        });
        connect(lane.bridge.get(), &JobBridge::finished, this, [this, &lane, kind](const engine::TrainResult& r) {
            if (r.run_id) lane.runId = r.run_id;
            if (!running_ || kind_ != kind) return;
            running_ = false;
            emit runningChanged(false);
        });
    }
}

void Workbench::openHistory() {
    // The old store closes before the new one opens: SQLite removes a database's -wal and -shm
    // files by name when its last connection closes, and they must not be the new store's.
    engine_.reset();  // it writes to the store
    if (store_) store_->detach();
    store_.reset();
    profiler::StoreOptions storeOptions;
    storeOptions.path = options_.dbPath;
    store_ = profiler::RunStore::open(storeOptions);  // throws: no history, and no jobs, until one opens
    store_->attach(*bus_);
    engine::EngineOptions engineOptions;
    engineOptions.bus = bus_.get();
    engineOptions.store = store_.get();
    engineOptions.workspace_root = options_.workspaceRoot;
    engineOptions.profile.ops_window = options_.opsWindow;
    engine_ = std::make_unique<engine::Engine>(engineOptions);
}

void Workbench::reopenHistory() {
    if (running_) throw engine::ConfigError("a job is running; stop it before starting a new history");
    openHistory();
    emit historyReopened();
}

Workbench::~Workbench() {
    serveStop_.store(true);  // a serving benchmark ends within a decode step
    if (serveThread_.joinable()) serveThread_.join();
    engine_.reset();
    if (store_) store_->detach();
}

void Workbench::checkCanStart() const {
    if (running_) throw engine::ConfigError("a job is already running; stop it first");
    if (!engine_) throw engine::ConfigError("no history is open at " + options_.dbPath + "; start a new one in the History view");
}

template <typename Spec, typename Submit>
void Workbench::launch(JobKind kind, Spec spec, Spec& current, Submit submit) {
    checkCanStart();
    if (spec.data_dir.empty()) spec.data_dir = options_.dataDir;
    engine::validate(spec);
    Lane& lane = lanes_[std::size_t(kind)];
    job_ = submit(spec, *lane.bridge);
    kind_ = kind;
    current = std::move(spec);
    lane.runId = job_.run_id();
    running_ = true;
    emit runningChanged(true);
}

void Workbench::start(engine::TrainSpec spec) {
    launch(JobKind::Train, std::move(spec), spec_,
           [this](const engine::TrainSpec& s, JobBridge& sink) { return engine_->submit(s, sink); });
}

void Workbench::startQuantize(engine::QuantizeSpec spec) {
    launch(JobKind::Quantize, std::move(spec), quantizeSpec_,
           [this](const engine::QuantizeSpec& s, JobBridge& sink) { return engine_->submit_quantize(s, sink); });
}

void Workbench::startDistill(engine::DistillSpec spec) {
    launch(JobKind::Distill, std::move(spec), distillSpec_,
           [this](const engine::DistillSpec& s, JobBridge& sink) { return engine_->submit_distill(s, sink); });
}

void Workbench::startContinual(engine::ContinualSpec spec) {
    launch(JobKind::Continual, std::move(spec), continualSpec_,
           [this](const engine::ContinualSpec& s, JobBridge& sink) { return engine_->submit_continual(s, sink); });
}

void Workbench::startServe(engine::ServeBenchSpec spec) {
    checkCanStart();
    if (spec.db.empty()) spec.db = options_.dbPath;
    engine::validate(spec);
    Lane& lane = lanes_[std::size_t(JobKind::Serve)];
    lane.runId = 0;
    serveSpec_ = spec;
    serveStop_.store(false);
    kind_ = JobKind::Serve;
    running_ = true;
    JobBridge* bridge = lane.bridge.get();
    serveThread_ = std::thread([this, spec = std::move(spec), bridge] {
        engine::ServeBenchReport report;
        engine::TrainResult end;
        end.status = engine::JobStatus::Completed;
        try {
            report = engine::serve_bench(
                spec, bus_.get(), store_.get(), [bridge](const std::string& line) { bridge->on_log("info", line); },
                &serveStop_);
            end.run_id = report.run_id;
            if (report.cancelled) end.status = engine::JobStatus::Cancelled;
        } catch (const std::exception& e) {
            end.status = engine::JobStatus::Failed;
            end.error = e.what();
        }
        // Back on the UI thread: dropped when the workbench is being destroyed (it joins this
        // thread first, so nothing here outlives it).
        QMetaObject::invokeMethod(
            this,
            [this, report = std::move(report), end, bridge] {
                serveThread_.join();
                if (end.status != engine::JobStatus::Failed) emit served(report);  // cancelled: the finished policies
                bridge->on_finished(end);
            },
            Qt::QueuedConnection);
    });
    emit runningChanged(true);
}

namespace {

template <typename Spec>
QString validationErrorOf(const Spec& spec) {
    try {
        engine::validate(spec);
    } catch (const std::exception& e) {
        return QString::fromUtf8(e.what());
    }
    return {};
}

}  // namespace

QString Workbench::validationError(const engine::DistillSpec& spec) { return validationErrorOf(spec); }

QString Workbench::validationError(const engine::ContinualSpec& spec) { return validationErrorOf(spec); }

QString Workbench::validationError(const engine::ServeBenchSpec& spec) { return validationErrorOf(spec); }

QString Workbench::currentJobName() const {
    switch (kind_) {
    case JobKind::Train:
        return QString::fromStdString(spec_.preset.empty() ? spec_.name : spec_.preset);
    case JobKind::Quantize: {
        // The name the engine gives the run when the spec has none.
        const engine::QuantizeSpec& q = quantizeSpec_;
        if (!q.name.empty()) return QString::fromStdString(q.name);
        return QStringLiteral("%1 int8 %2")
            .arg(q.checkpoint.empty() ? QString::fromStdString(q.preset) : QStringLiteral("checkpoint"),
                 QString::fromStdString(q.mode));
    }
    case JobKind::Distill: {
        const engine::DistillSpec& d = distillSpec_;
        return QStringLiteral("%1 from %2")
            .arg(QString::fromStdString(d.student_preset),
                 d.teacher_checkpoint.empty() ? QString::fromStdString(d.teacher_preset) : QStringLiteral("checkpoint"));
    }
    case JobKind::Continual: {
        // The name the engine gives the run when the spec has none.
        const engine::ContinualSpec& c = continualSpec_;
        if (!c.name.empty()) return QString::fromStdString(c.name);
        return QStringLiteral("%1 fashion x%2 ewc").arg(QString::fromStdString(c.scenario)).arg(c.tasks);
    }
    case JobKind::Serve: {
        const engine::ServeBenchSpec& s = serveSpec_;
        if (s.compare.size() > 1) return QStringLiteral("serve-bench of %1 policies").arg(s.compare.size());
        return QStringLiteral("serve-bench %1")
            .arg(QString::fromStdString(s.compare.empty() ? s.batching.policy : s.compare.front()));
    }
    }
    return {};
}

void Workbench::stop() {
    if (!canStop()) return;
    if (kind_ == JobKind::Serve)
        serveStop_.store(true);
    else if (job_.valid())
        job_.cancel();
}

}  // namespace sparq::ui

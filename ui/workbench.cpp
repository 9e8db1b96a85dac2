#include "workbench.h"

#include "jobbridge.h"
#include "sparq/engine/errors.h"

namespace sparq::ui {

Workbench::Workbench(Options options, QObject* parent)
    : QObject(parent), options_(std::move(options)) {
    if (options_.dbPath.empty()) options_.dbPath = profiler::default_db_path();
    if (options_.workspaceRoot.empty()) options_.workspaceRoot = profiler::default_workspace_root();

    bus_ = std::make_unique<profiler::MetricBus>();
    profiler::StoreOptions storeOptions;
    storeOptions.path = options_.dbPath;
    store_ = profiler::RunStore::open(storeOptions);
    store_->attach(*bus_);

    bridge_ = std::make_unique<JobBridge>();
    quantizeBridge_ = std::make_unique<JobBridge>();
    engine::EngineOptions engineOptions;
    engineOptions.bus = bus_.get();
    engineOptions.store = store_.get();
    engineOptions.workspace_root = options_.workspaceRoot;
    engine_ = std::make_unique<engine::Engine>(engineOptions);
    device_ = QString::fromStdString(engine::Engine::device_name());

    // Connected before any page connects, so pages see isRunning() already updated.
    connect(bridge_.get(), &JobBridge::started, this, [this](qint64 runId, const QString&) {
        runId_ = runId;
    });
    connect(bridge_.get(), &JobBridge::finished, this, [this](const engine::TrainResult& r) {
        if (r.run_id) runId_ = r.run_id;
        if (!running_ || kind_ != JobKind::Train) return;
        running_ = false;
        emit runningChanged(false);
    });
    connect(quantizeBridge_.get(), &JobBridge::started, this, [this](qint64 runId, const QString&) {
        quantizeRunId_ = runId;
    });
    connect(quantizeBridge_.get(), &JobBridge::finished, this, [this](const engine::TrainResult& r) {
        if (r.run_id) quantizeRunId_ = r.run_id;
        if (!running_ || kind_ != JobKind::Quantize) return;
        running_ = false;
        emit runningChanged(false);
    });
}

Workbench::~Workbench() {
    engine_.reset();
    if (store_) store_->detach();
}

void Workbench::start(engine::TrainSpec spec) {
    if (running_) throw engine::ConfigError("a job is already running; stop it first");
    if (spec.data_dir.empty()) spec.data_dir = options_.dataDir;
    engine::validate(spec);
    job_ = engine_->submit(spec, *bridge_);
    kind_ = JobKind::Train;
    spec_ = std::move(spec);
    runId_ = job_.run_id();
    running_ = true;
    emit runningChanged(true);
}

void Workbench::startQuantize(engine::QuantizeSpec spec) {
    if (running_) throw engine::ConfigError("a job is already running; stop it first");
    if (spec.data_dir.empty()) spec.data_dir = options_.dataDir;
    engine::validate(spec);
    job_ = engine_->submit_quantize(spec, *quantizeBridge_);
    kind_ = JobKind::Quantize;
    quantizeSpec_ = std::move(spec);
    quantizeRunId_ = job_.run_id();
    running_ = true;
    emit runningChanged(true);
}

QString Workbench::currentJobName() const {
    if (kind_ == JobKind::Train)
        return QString::fromStdString(spec_.preset.empty() ? spec_.name : spec_.preset);
    // The name the engine gives the run when the spec has none.
    const engine::QuantizeSpec& q = quantizeSpec_;
    if (!q.name.empty()) return QString::fromStdString(q.name);
    return QStringLiteral("%1 int8 %2")
        .arg(q.checkpoint.empty() ? QString::fromStdString(q.preset) : QStringLiteral("checkpoint"),
             QString::fromStdString(q.mode));
}

void Workbench::stop() {
    if (running_ && job_.valid()) job_.cancel();
}

}  // namespace sparq::ui

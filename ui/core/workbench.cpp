#include "core/workbench.h"

#include <algorithm>
#include <exception>
#include <type_traits>

#include "sparq/engine/errors.h"

namespace sparq::ui {

namespace {

template <class T, class = void>
struct HasDataDir : std::false_type {};
template <class T>
struct HasDataDir<T, std::void_t<decltype(std::declval<T>().data_dir)>> : std::true_type {};

}  // namespace

Workbench::Workbench(Options options, QObject* parent) : QObject(parent), options_(std::move(options)) {
    if (options_.dbPath.empty()) options_.dbPath = profiler::default_db_path();
    if (options_.workspaceRoot.empty()) options_.workspaceRoot = profiler::default_workspace_root();
    bus_ = std::make_unique<profiler::MetricBus>();
    openHistory();
    defaultDevice_ = QString::fromStdString(engine::resolve_device("auto").label);
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
    if (isRunning()) throw engine::ConfigError("a job is running; stop it before starting a new history");
    openHistory();
    emit historyReopened();
}

Workbench::~Workbench() {
    engine_.reset();  // cancels and joins the jobs, which report to the lanes
    if (store_) store_->detach();
}

void Workbench::checkCanStart(JobKind kind) const {
    if (!engine_)
        throw engine::ConfigError("no history is open at " + options_.dbPath + "; start a new one in the History view");
    if (isRunning(kind))
        throw engine::ConfigError(std::string("a ") + engine::to_string(kind) + " job is already running; stop it first");
}

template <class Spec>
JobLane* Workbench::start(Spec spec) {
    const JobKind kind = engine::kind_of(spec);
    checkCanStart(kind);
    if constexpr (HasDataDir<Spec>::value)
        if (spec.data_dir.empty()) spec.data_dir = options_.dataDir;
    engine::validate(spec);
    auto owned = std::make_unique<JobLane>(kind, QString::fromStdString(engine::run_name(spec)), std::any(spec));
    JobLane* lane = owned.get();
    lane->setHandle(engine_->submit(spec, *lane));  // throws for a device that cannot run it: the lane goes
    owned_.push_back(std::move(owned));
    adopt(lane);
    ++runningCount_;
    connect(lane, &JobLane::finished, this, [this, lane] {
        --runningCount_;
        emit laneFinished(lane);
        if (runningCount_ == 0) emit runningChanged(false);
    });
    emit laneStarted(lane);
    if (runningCount_ == 1) emit runningChanged(true);
    return lane;
}

void Workbench::adopt(JobLane* lane) {
    JobLane*& slot = lanes_[std::size_t(lane->kind())];
    JobLane* previous = slot;
    slot = lane;
    if (!previous) return;
    // The previous lane of this kind has ended (checkCanStart saw to it); receivers may still
    // hold it until the event loop comes round.
    const auto it = std::find_if(owned_.begin(), owned_.end(), [previous](const auto& p) { return p.get() == previous; });
    if (it != owned_.end()) {
        it->release()->deleteLater();
        owned_.erase(it);
    }
}

std::vector<JobLane*> Workbench::runningLanes() const {
    std::vector<JobLane*> out;
    for (const auto& lane : owned_)
        if (lane->isRunning()) out.push_back(lane.get());
    return out;
}

void Workbench::stop(JobKind kind) {
    if (isRunning(kind)) lane(kind)->stop();
}

void Workbench::stopAll() {
    for (JobLane* lane : runningLanes()) lane->stop();
}

template JobLane* Workbench::start(engine::TrainSpec);
template JobLane* Workbench::start(engine::QuantizeSpec);
template JobLane* Workbench::start(engine::DistillSpec);
template JobLane* Workbench::start(engine::ContinualSpec);
template JobLane* Workbench::start(engine::ServeBenchSpec);
template JobLane* Workbench::start(engine::ExportSpec);
template JobLane* Workbench::start(engine::SweepSpec);

}  // namespace sparq::ui

#include "history/runfilterproxy.h"

#include <tuple>

#include "history/runtablemodel.h"

namespace sparq::ui {

RunFilterProxy::RunFilterProxy(QObject* parent) : QSortFilterProxyModel(parent) {
    setSortRole(RunTableModel::SortRole);
    setDynamicSortFilter(true);
}

void RunFilterProxy::setSourceModel(QAbstractItemModel* source) {
    runs_ = qobject_cast<RunTableModel*>(source);
    Q_ASSERT(runs_ || !source);
    QSortFilterProxyModel::setSourceModel(source);
}

void RunFilterProxy::setRunFilter(const profiler::RunFilter& filter) {
    filter_ = filter;
    invalidateFilter();
}

void RunFilterProxy::setHiddenRuns(std::unordered_set<profiler::RunId> ids) {
    hidden_ = std::move(ids);
    invalidateFilter();
}

profiler::RunId RunFilterProxy::runIdAt(int proxyRow) const {
    if (!runs_) return 0;
    const profiler::RunRecord* run = runs_->runAt(mapToSource(index(proxyRow, 0)).row());
    return run ? run->id : 0;
}

bool RunFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
    if (sourceParent.isValid() || !runs_) return false;
    const profiler::RunRecord* run = runs_->runAt(sourceRow);
    if (!run || hidden_.count(run->id)) return false;
    return profiler::matches(*run, filter_);
}

bool RunFilterProxy::lessThan(const QModelIndex& left, const QModelIndex& right) const {
    const profiler::RunRecord* a = runs_ ? runs_->runAt(left.row()) : nullptr;
    const profiler::RunRecord* b = runs_ ? runs_->runAt(right.row()) : nullptr;
    if (!a || !b || left.column() != right.column()) return QSortFilterProxyModel::lessThan(left, right);
    // Ties fall back to the id so equal keys keep a stable, meaningful order.
    switch (left.column()) {
    case RunTableModel::Id: return a->id < b->id;
    case RunTableModel::Name: return std::tie(a->name, a->id) < std::tie(b->name, b->id);
    case RunTableModel::Kind: return std::tie(a->kind, a->id) < std::tie(b->kind, b->id);
    case RunTableModel::Preset: return std::tie(a->preset, a->id) < std::tie(b->preset, b->id);
    case RunTableModel::Status: return std::tie(a->status, a->id) < std::tie(b->status, b->id);
    case RunTableModel::TestAccuracy: {
        const double x = a->test_accuracy.value_or(-1.0), y = b->test_accuracy.value_or(-1.0);
        return std::tie(x, a->id) < std::tie(y, b->id);
    }
    case RunTableModel::Duration: {
        const double x = a->duration_s(), y = b->duration_s();
        return std::tie(x, a->id) < std::tie(y, b->id);
    }
    case RunTableModel::Started: return std::tie(a->started_ns, a->id) < std::tie(b->started_ns, b->id);
    case RunTableModel::Tags: return std::tie(a->tags, a->id) < std::tie(b->tags, b->id);
    case RunTableModel::Notes: return std::tie(a->notes, a->id) < std::tie(b->notes, b->id);
    default: return QSortFilterProxyModel::lessThan(left, right);
    }
}

}  // namespace sparq::ui

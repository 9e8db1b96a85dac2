#pragma once
// RunFilterProxy: the runs table's sorting and filtering. Rows pass profiler::matches() with
// the same RunFilter that `sparq-cli history list` uses, so the GUI and the CLI select the same
// runs; runs awaiting deletion (undo still possible) are hidden too. Sorting compares the
// records' raw fields, not display strings, so ten thousand rows sort in milliseconds.
#include <unordered_set>

#include <QSortFilterProxyModel>

#include "sparq/profiler/run_filter.h"

namespace sparq::ui {

class RunTableModel;

class RunFilterProxy : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit RunFilterProxy(QObject* parent = nullptr);

    /// The source must be a RunTableModel.
    void setSourceModel(QAbstractItemModel* source) override;

    const profiler::RunFilter& runFilter() const { return filter_; }
    /// Replaces the filter and filters the rows again.
    void setRunFilter(const profiler::RunFilter& filter);

    /// Hides (or shows again) these runs whatever the filter says.
    void setHiddenRuns(std::unordered_set<profiler::RunId> ids);
    const std::unordered_set<profiler::RunId>& hiddenRuns() const { return hidden_; }

    /// Run id of a proxy row, or 0.
    profiler::RunId runIdAt(int proxyRow) const;

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

private:
    RunTableModel* runs_ = nullptr;
    profiler::RunFilter filter_;
    std::unordered_set<profiler::RunId> hidden_;
};

}  // namespace sparq::ui

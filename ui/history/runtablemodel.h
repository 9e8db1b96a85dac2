#pragma once
// RunTableModel: the history's runs as a table (one row per run, newest first as given).
// The model holds a value snapshot; setRuns() replaces it (a snapshot of the same runs in the
// same order only updates the cells, so selection and scrolling survive a periodic refresh).
#include <unordered_map>
#include <vector>

#include <QAbstractTableModel>

#include "sparq/profiler/run_store.h"

namespace sparq::ui {

class RunTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Id, Name, Kind, Preset, Status, TestAccuracy, Duration, Started, Tags, Notes, ColumnCount };
    enum Role {
        SortRole = Qt::UserRole + 1,  // raw value for sorting (numbers, times)
        RunIdRole,                    // the row's run id (any column)
    };

    explicit RunTableModel(QObject* parent = nullptr);

    void setRuns(std::vector<profiler::RunRecord> runs);
    const std::vector<profiler::RunRecord>& runs() const { return runs_; }
    /// The run in a row, or null for a row out of range.
    const profiler::RunRecord* runAt(int row) const;
    /// Row of a run id, or -1.
    int rowOf(profiler::RunId id) const;
    /// The run with this id, or null.
    const profiler::RunRecord* runById(profiler::RunId id) const { return runAt(rowOf(id)); }

    /// "87.3 %": accuracy given as a fraction (<= 1) or as a percentage.
    static QString formatAccuracy(double accuracy);
    /// "42.0 s", "3 min 05 s", "1 h 02 min".
    static QString formatDuration(double seconds);
    /// "1 run", "2,500 runs".
    static QString countRuns(int n);
    /// The first line of a run's notes, cut to about 60 characters ("…" when cut).
    static QString shortNotes(const std::string& notes);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    std::vector<profiler::RunRecord> runs_;
    std::unordered_map<profiler::RunId, int> rows_;
};

}  // namespace sparq::ui

#pragma once
// ConfigDiffModel: the configurations of several runs side by side, one row per dotted key
// (profiler::diff_configs, the CLI's `history diff`) and one column per run. By default only
// the keys whose values differ are rows; with showAll every key is, the differing ones bold.
#include <string>
#include <vector>

#include <QAbstractTableModel>

#include "sparq/profiler/compare.h"
#include "sparq/profiler/run_store.h"

namespace sparq::ui {

class ConfigDiffModel : public QAbstractTableModel {
    Q_OBJECT
public:
    /// At most this many runs are compared (the first ones given).
    static constexpr int kMaxRuns = 50;

    explicit ConfigDiffModel(QObject* parent = nullptr);

    /// Compares the configurations of these runs (a malformed one counts as empty).
    void setRuns(const std::vector<profiler::RunRecord>& runs);
    void setShowAll(bool all);
    bool showAll() const { return showAll_; }

    int runCount() const { return int(ids_.size()); }
    /// The keys that are rows, in order.
    std::vector<std::string> keys() const;
    /// Number of keys whose values differ between the runs.
    int differingCount() const { return differing_; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    void rebuild();

    std::vector<profiler::RunId> ids_;
    std::vector<QString> labels_;
    std::vector<std::string> configs_;
    std::vector<profiler::DiffRow> rows_;
    std::vector<bool> rowDiffers_;
    int differing_ = 0;
    bool showAll_ = false;
};

}  // namespace sparq::ui

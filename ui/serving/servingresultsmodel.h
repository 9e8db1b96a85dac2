#pragma once
// ServingResultsModel: the serving results of this session, one row per policy result
// (engine::ServeResult), accumulated across runs with the settings and the workload that
// produced each. The rows no other row beats on both throughput (higher is better) and p95
// latency (lower is better) form the Pareto frontier; they are drawn bold.
#include <cstddef>
#include <string>
#include <vector>

#include <QAbstractTableModel>
#include <QString>

#include "sparq/engine/serving.h"

namespace sparq::ui {

/// One policy's result and where it came from.
struct ServingRow {
    qint64 run = 0;      // the run in the history (0 when not recorded)
    QString settings;    // servingSettingsText()
    QString workload;    // servingWorkloadText()
    QString workloadDetail;  // the length distributions, for the tooltip
    engine::ServeResult result;
};

/// The batching settings a policy of `spec` used: "kmeans k=4 B=16 delay=20ms",
/// "max-delay B=16 preferred=8,16 delay=20ms", "bucket B=16 edges=32,64,128 delay=20ms",
/// "fifo B=16"; " segmented w=64" is added for windowed attention.
QString servingSettingsText(const engine::ServeBenchSpec& spec, const std::string& policy);
/// The workload: "384 req · 48 clients · seed 1" or "384 req · Poisson 20 req/s · seed 1".
QString servingWorkloadText(const engine::WorkloadSpec& workload);
/// Its prompt and output length distributions: "prompt lognormal median 48 σ 0.8 in [8, 320]; ...".
QString servingWorkloadDetail(const engine::WorkloadSpec& workload);
/// The rows of `spec`'s report, in the order the policies ran.
std::vector<ServingRow> servingRows(const engine::ServeBenchSpec& spec, const engine::ServeBenchReport& report);

class ServingResultsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        Run,
        Policy,
        Throughput,
        TokensPerS,
        P50,
        P95,
        P99,
        Padding,
        MeanBatch,
        KvCacheMb,
        Settings,
        Workload,
        ColumnCount
    };
    enum Role {
        SortRole = Qt::UserRole + 1,  // the raw value (numbers as numbers)
        FrontierRole,                 // bool: the row is on the Pareto frontier
    };

    explicit ServingResultsModel(QObject* parent = nullptr);

    /// Indices of the rows on the frontier of p95 latency (lower is better) against throughput
    /// (higher is better), ascending.
    static std::vector<std::size_t> frontierOf(const std::vector<ServingRow>& rows);

    /// Appends rows (after the ones there are).
    void addRows(std::vector<ServingRow> rows);
    void clear();
    const std::vector<ServingRow>& rows() const { return rows_; }
    /// frontierOf(rows()).
    const std::vector<std::size_t>& frontier() const { return frontier_; }
    bool onFrontier(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

signals:
    /// Rows were added or removed (the frontier is up to date).
    void rowsChanged();

private:
    void updateFrontier();

    std::vector<ServingRow> rows_;
    std::vector<std::size_t> frontier_;
    std::vector<bool> onFrontier_;
};

}  // namespace sparq::ui

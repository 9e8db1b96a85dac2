// RunTableModel: passes QAbstractItemModelTester while its snapshot is replaced, shows the
// run fields in the right columns, and sorts numerically through a proxy.
#include <gtest/gtest.h>

#include <QAbstractItemModelTester>
#include <QDateTime>
#include <QSortFilterProxyModel>

#include "history/runtablemodel.h"

using sparq::profiler::RunRecord;
using sparq::ui::RunTableModel;

namespace {

constexpr std::int64_t kSecond = 1000000000LL;

RunRecord makeRun(std::int64_t id, const std::string& status, std::optional<double> accuracy,
                  double seconds) {
    RunRecord r;
    r.id = id;
    r.name = "run-" + std::to_string(id);
    r.kind = "train";
    r.preset = id % 2 ? "mlp-fashion" : "cnn-fashion";
    r.status = status;
    r.created_ns = 1700000000LL * kSecond + id * 100 * kSecond;
    r.started_ns = r.created_ns + kSecond;
    r.ended_ns = status == "running" ? 0 : r.started_ns + std::int64_t(seconds * 1e9);
    r.test_accuracy = accuracy;
    r.config_json = "{}";
    r.summary_json = "{}";
    return r;
}

std::vector<RunRecord> snapshot(int n) {
    std::vector<RunRecord> runs;
    for (int i = n; i >= 1; --i)
        runs.push_back(makeRun(i, i == n ? "running" : "completed",
                               i == n ? std::nullopt : std::optional<double>(0.80 + 0.01 * i),
                               10.0 * i));
    return runs;
}

QString cell(const RunTableModel& m, int row, int column, int role = Qt::DisplayRole) {
    return m.data(m.index(row, column), role).toString();
}

}  // namespace

TEST(RunTableModel, PassesModelTesterAcrossSnapshots) {
    RunTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    EXPECT_EQ(model.rowCount(), 0);
    EXPECT_EQ(model.columnCount(), RunTableModel::ColumnCount);

    model.setRuns(snapshot(5));
    EXPECT_EQ(model.rowCount(), 5);
    model.setRuns(snapshot(2));  // fewer rows
    EXPECT_EQ(model.rowCount(), 2);
    model.setRuns(snapshot(40));  // more rows
    EXPECT_EQ(model.rowCount(), 40);
    model.setRuns({});
    EXPECT_EQ(model.rowCount(), 0);
    EXPECT_EQ(model.runAt(0), nullptr);
}

TEST(RunTableModel, ShowsRunFields) {
    RunTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    model.setRuns(snapshot(3));  // rows: run 3 (running), run 2, run 1

    EXPECT_EQ(cell(model, 0, RunTableModel::Id), "3");
    EXPECT_EQ(cell(model, 0, RunTableModel::Name), "run-3");
    EXPECT_EQ(cell(model, 0, RunTableModel::Preset), "mlp-fashion");
    EXPECT_EQ(cell(model, 0, RunTableModel::Status), "running");
    EXPECT_EQ(cell(model, 0, RunTableModel::TestAccuracy), "");  // no accuracy yet
    EXPECT_FALSE(cell(model, 0, RunTableModel::Duration).isEmpty());  // elapsed so far

    EXPECT_EQ(cell(model, 1, RunTableModel::Status), "completed");
    EXPECT_EQ(cell(model, 1, RunTableModel::TestAccuracy), "82.00 %");
    EXPECT_EQ(cell(model, 1, RunTableModel::Duration), "20.0 s");
    EXPECT_EQ(cell(model, 2, RunTableModel::Preset), "mlp-fashion");
    EXPECT_EQ(cell(model, 2, RunTableModel::TestAccuracy), "81.00 %");

    const RunRecord& r1 = *model.runAt(2);
    const QString started =
        QDateTime::fromMSecsSinceEpoch(r1.started_ns / 1000000).toLocalTime().toString("yyyy-MM-dd HH:mm:ss");
    EXPECT_EQ(cell(model, 2, RunTableModel::Started), started);

    EXPECT_EQ(model.data(model.index(1, RunTableModel::Name), RunTableModel::RunIdRole).toLongLong(), 2);
    EXPECT_EQ(model.rowOf(1), 2);
    EXPECT_EQ(model.rowOf(99), -1);
    EXPECT_EQ(model.headerData(RunTableModel::TestAccuracy, Qt::Horizontal).toString(), "Test accuracy");
    EXPECT_FALSE(model.data(model.index(0, 0), Qt::ToolTipRole).toString().isEmpty());
}

TEST(RunTableModel, Formats) {
    EXPECT_EQ(RunTableModel::formatAccuracy(0.8734), "87.34 %");
    EXPECT_EQ(RunTableModel::formatAccuracy(91.5), "91.50 %");
    EXPECT_EQ(RunTableModel::formatDuration(4.2), "4.2 s");
    EXPECT_EQ(RunTableModel::formatDuration(185), "3 min 05 s");
    EXPECT_EQ(RunTableModel::formatDuration(3725), "1 h 02 min");
}

TEST(RunTableModel, SortsNumericallyThroughProxy) {
    RunTableModel model;
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.setSortRole(RunTableModel::SortRole);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::Fatal);
    model.setRuns(snapshot(12));  // ids 12..1: a text sort would put 10 before 2

    proxy.sort(RunTableModel::Id, Qt::AscendingOrder);
    for (int row = 0; row < 12; ++row)
        EXPECT_EQ(proxy.index(row, RunTableModel::Id).data().toLongLong(), row + 1);

    proxy.sort(RunTableModel::TestAccuracy, Qt::DescendingOrder);
    EXPECT_EQ(proxy.index(0, RunTableModel::Id).data().toLongLong(), 11);  // best accuracy
    EXPECT_EQ(proxy.index(11, RunTableModel::Id).data().toLongLong(), 12);  // none yet

    proxy.setFilterKeyColumn(-1);
    proxy.setFilterFixedString("running");
    EXPECT_EQ(proxy.rowCount(), 1);
    model.setRuns(snapshot(3));  // replace under a filtered, sorted proxy
    EXPECT_EQ(proxy.rowCount(), 1);
}

// The History view's models and charts on constructed runs, without a database: the runs table
// and its filter proxy pass QAbstractItemModelTester through snapshot replacement, filter changes
// and held-back (deleted) runs; each filter (kind, tag, status, dates, text, archived) keeps the
// expected rows; the configuration diff shows exactly the differing keys; the overlay's smoothing;
// the Pareto chart's frontier; parallel coordinates' axes; tag edits of several runs.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QComboBox>
#include <QDateEdit>
#include <QDateTime>
#include <QLineEdit>
#include <QSignalSpy>
#include <QTest>
#include <qcustomplot.h>

#include "common/time_units.h"
#include "history/configdiffmodel.h"
#include "history/historyfilterbar.h"
#include "page_test_support.h"
#include "history/parallelcoordinateschart.h"
#include "history/paretochart.h"
#include "history/runeditdialogs.h"
#include "history/runfilterproxy.h"
#include "history/runnumbers.h"
#include "history/runoverlaychart.h"
#include "history/runtablemodel.h"

using namespace sparq;
using profiler::RunId;
using profiler::RunRecord;
using ui::RunTableModel;

namespace {

using sparq::test::kMs;

// Noon (local time) of a day in March 2024, in wall-clock nanoseconds.
std::int64_t noon(int day) { return QDateTime(QDate(2024, 3, day), QTime(12, 0)).toMSecsSinceEpoch() * kMs; }

// Run i: kind train (i % 3 == 0: quantize), status completed (i % 5 == 0: failed), tags "good"
// on even ids and "baseline" on multiples of 10, created on day 1 + i % 28 of March 2024,
// hidden 64 << (i % 4) in its configuration, archived when i % 7 == 6.
RunRecord makeRun(RunId i) {
    RunRecord r;
    r.id = i;
    r.name = "run-" + std::to_string(i);
    r.kind = i % 3 == 0 ? "quantize" : "train";
    r.preset = i % 2 ? "mlp-fashion" : "cnn-fashion";
    r.status = i % 5 == 0 ? "failed" : "completed";
    r.created_ns = noon(1 + int(i % 28));
    r.started_ns = r.created_ns + 1000 * kMs;
    r.ended_ns = r.started_ns + i * 1000 * kMs;
    r.config_json = "{\"hidden\":" + std::to_string(64 << (i % 4)) + ",\"optimizer\":{\"lr\":0.001}}";
    r.summary_json = "{\"run_id\":" + std::to_string(i) + ",\"step_ms\":" + std::to_string(1.0 + i % 9) + "}";
    r.test_accuracy = 0.5 + 0.001 * double(i);
    if (i % 2 == 0) r.tags.push_back("good");
    if (i % 10 == 0) r.tags.insert(r.tags.begin(), "baseline");
    if (i == 42) r.notes = "the one with the odd learning-rate warm-up";
    r.archived = i % 7 == 6;
    return r;
}

std::vector<RunRecord> makeRuns(int n, RunId first = 1) {
    std::vector<RunRecord> runs;
    for (RunId i = first + n - 1; i >= first; --i) runs.push_back(makeRun(i));  // newest first
    return runs;
}

std::set<RunId> shownIds(const ui::RunFilterProxy& proxy) {
    std::set<RunId> out;
    for (int row = 0; row < proxy.rowCount(); ++row) out.insert(proxy.runIdAt(row));
    return out;
}

// The ids of `runs` that pass `pred` (the expected rows of a filter).
template <typename Pred>
std::set<RunId> expected(const std::vector<RunRecord>& runs, Pred pred) {
    std::set<RunId> out;
    for (const RunRecord& r : runs)
        if (pred(r)) out.insert(r.id);
    return out;
}

}  // namespace

TEST(HistoryModels, TableAndFilterProxyPassModelTester) {
    RunTableModel model;
    ui::RunFilterProxy proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester sourceTester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::Fatal);
    proxy.sort(RunTableModel::TestAccuracy, Qt::DescendingOrder);

    profiler::RunFilter all;
    all.include_archived = true;
    proxy.setRunFilter(all);
    model.setRuns(makeRuns(300));
    EXPECT_EQ(model.rowCount(), 300);
    EXPECT_EQ(proxy.rowCount(), 300);
    EXPECT_EQ(proxy.runIdAt(0), 300);  // best accuracy first

    // The same runs again (a periodic refresh): cells update, rows stay.
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    std::vector<RunRecord> again = makeRuns(300);
    again[0].status = "interrupted";
    model.setRuns(again);
    EXPECT_EQ(resets.count(), 0);
    EXPECT_EQ(model.runAt(0)->status, "interrupted");

    model.setRuns(makeRuns(450));  // more runs
    EXPECT_EQ(proxy.rowCount(), 450);
    model.setRuns(makeRuns(120, 200));  // fewer, other runs
    EXPECT_EQ(proxy.rowCount(), 120);

    profiler::RunFilter f;
    f.kind = "quantize";
    proxy.setRunFilter(f);
    EXPECT_EQ(shownIds(proxy), expected(model.runs(), [](const RunRecord& r) { return r.kind == "quantize" && !r.archived; }));
    f.tag = "good";
    proxy.setRunFilter(f);
    f = {};
    f.text = "RUN-2";
    proxy.setRunFilter(f);
    EXPECT_FALSE(shownIds(proxy).empty());

    proxy.setHiddenRuns({250, 251, 252});
    EXPECT_FALSE(shownIds(proxy).count(251));
    model.setRuns(makeRuns(300));  // replaced under a filter, a sort and hidden rows
    model.setRuns({});
    EXPECT_EQ(proxy.rowCount(), 0);
}

TEST(HistoryModels, ColumnsShowKindTagsAndNotes) {
    RunTableModel model;
    model.setRuns({makeRun(42), makeRun(7)});
    EXPECT_EQ(model.data(model.index(0, RunTableModel::Kind)).toString(), "quantize");
    EXPECT_EQ(model.data(model.index(0, RunTableModel::Tags)).toString(), "good");
    EXPECT_EQ(model.data(model.index(0, RunTableModel::Notes)).toString(), "the one with the odd learning-rate warm-up");
    EXPECT_EQ(model.headerData(RunTableModel::Tags, Qt::Horizontal).toString(), "Tags");
    EXPECT_EQ(model.runById(7)->id, 7);
    EXPECT_EQ(model.runById(8), nullptr);
    EXPECT_EQ(RunTableModel::shortNotes("first line\nsecond"), QString("first line ") + QChar(0x2026));
    EXPECT_EQ(RunTableModel::shortNotes(std::string(80, 'x')).size(), 60);
}

TEST(HistoryModels, FiltersKeepTheExpectedRows) {
    const std::vector<RunRecord> runs = makeRuns(200);
    RunTableModel model;
    ui::RunFilterProxy proxy;
    proxy.setSourceModel(&model);
    model.setRuns(runs);
    ui::HistoryFilterBar bar;
    QObject::connect(&bar, &ui::HistoryFilterBar::filterChanged, [&] { proxy.setRunFilter(bar.filter()); });
    bar.setChoices(runs);
    proxy.setRunFilter(bar.filter());

    // Archived runs are hidden until asked for.
    EXPECT_EQ(shownIds(proxy), expected(runs, [](const RunRecord& r) { return !r.archived; }));
    bar.archivedCheck()->setChecked(true);
    EXPECT_EQ(proxy.rowCount(), 200);

    ASSERT_GE(bar.kindCombo()->findData("quantize"), 0);
    bar.kindCombo()->setCurrentIndex(bar.kindCombo()->findData("quantize"));
    EXPECT_EQ(shownIds(proxy), expected(runs, [](const RunRecord& r) { return r.kind == "quantize"; }));
    bar.kindCombo()->setCurrentIndex(0);

    ASSERT_GE(bar.tagCombo()->findData("baseline"), 0);
    bar.tagCombo()->setCurrentIndex(bar.tagCombo()->findData("baseline"));
    EXPECT_EQ(shownIds(proxy), expected(runs, [](const RunRecord& r) { return r.id % 10 == 0; }));
    bar.tagCombo()->setCurrentIndex(0);

    bar.statusCombo()->setCurrentIndex(bar.statusCombo()->findData("failed"));
    EXPECT_EQ(shownIds(proxy), expected(runs, [](const RunRecord& r) { return r.status == "failed"; }));
    bar.statusCombo()->setCurrentIndex(0);

    // From March 5 to March 7, both days included.
    bar.sinceEdit()->setDate(QDate(2024, 3, 5));
    bar.untilEdit()->setDate(QDate(2024, 3, 7));
    EXPECT_EQ(shownIds(proxy), expected(runs, [](const RunRecord& r) {
                  const int day = 1 + int(r.id % 28);
                  return day >= 5 && day <= 7;
              }));
    EXPECT_TRUE(bar.isFiltering());
    bar.clear();
    EXPECT_FALSE(bar.isFiltering());
    EXPECT_EQ(proxy.rowCount(), int(expected(runs, [](const RunRecord& r) { return !r.archived; }).size()));

    // Text: names, notes and configuration, any case; the search waits for a pause in typing.
    bar.archivedCheck()->setChecked(true);
    bar.searchEdit()->setText("WARM-UP");
    EXPECT_EQ(proxy.rowCount(), 200);  // not yet
    QTest::qWait(250);
    EXPECT_EQ(shownIds(proxy), std::set<RunId>{42});
    bar.searchEdit()->setText("\"hidden\":512");
    QTest::keyClick(bar.searchEdit(), Qt::Key_Return);  // at once
    EXPECT_EQ(shownIds(proxy), expected(runs, [](const RunRecord& r) { return r.id % 4 == 3; }));
    bar.searchEdit()->setText("run-17");
    QTest::keyClick(bar.searchEdit(), Qt::Key_Return);
    EXPECT_EQ(shownIds(proxy), (std::set<RunId>{17, 170, 171, 172, 173, 174, 175, 176, 177, 178, 179}));
}

TEST(HistoryModels, ConfigDiffShowsExactlyTheDifferingKeys) {
    RunRecord a = makeRun(1), b = makeRun(2), c = makeRun(3);
    a.config_json = R"({"hidden":128,"epochs":3,"optimizer":{"name":"adam","lr":0.001},"seed":1})";
    b.config_json = R"({"hidden":256,"epochs":3,"optimizer":{"name":"adam","lr":0.01},"seed":1})";
    c.config_json = R"({"hidden":128,"epochs":3,"optimizer":{"name":"adam","lr":0.001},"seed":1,"amp":true})";
    ui::ConfigDiffModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    EXPECT_EQ(model.rowCount(), 0);

    model.setRuns({a, b, c});
    EXPECT_EQ(model.keys(), (std::vector<std::string>{"amp", "hidden", "optimizer.lr"}));
    EXPECT_EQ(model.differingCount(), 3);
    EXPECT_EQ(model.columnCount(), 4);
    EXPECT_EQ(model.data(model.index(1, 2)).toString(), "256");
    EXPECT_EQ(model.data(model.index(0, 1)).toString(), QString::fromUtf8("—"));  // absent
    EXPECT_TRUE(model.headerData(2, Qt::Horizontal).toString().contains("Run 2"));

    model.setShowAll(true);
    EXPECT_EQ(model.keys(), (std::vector<std::string>{"amp", "epochs", "hidden", "optimizer.lr", "optimizer.name", "seed"}));
    EXPECT_EQ(model.differingCount(), 3);
    EXPECT_TRUE(model.data(model.index(0, 0), Qt::FontRole).value<QFont>().bold());
    EXPECT_FALSE(model.data(model.index(1, 0), Qt::FontRole).isValid());

    model.setShowAll(false);
    model.setRuns({a, a});
    EXPECT_EQ(model.rowCount(), 0);
    EXPECT_EQ(model.differingCount(), 0);
    RunRecord broken = b;
    broken.config_json = "not json";
    model.setRuns({a, broken});  // compares as an empty configuration
    EXPECT_EQ(model.rowCount(), 5);
    model.setRuns({});
    EXPECT_EQ(model.columnCount(), 0);
}

TEST(HistoryModels, OverlaySmoothing) {
    using Chart = ui::RunOverlayChart;
    const std::vector<double> flat{2, 2, 2, 2, 2};
    for (double v : Chart::smooth(flat, 0.9)) EXPECT_NEAR(v, 2.0, 1e-12);  // debiased: no pull toward zero
    EXPECT_EQ(Chart::smooth({1, 5, 3}, 0.0), (std::vector<double>{1, 5, 3}));
    const std::vector<double> s = Chart::smooth({0, 10}, 0.5);
    EXPECT_DOUBLE_EQ(s[0], 0.0);
    EXPECT_NEAR(s[1], 5.0 / 0.75, 1e-12);
    // A step is followed ever more slowly as the weight grows; the last value lies between.
    std::vector<double> step(50, 0.0);
    for (std::size_t i = 25; i < step.size(); ++i) step[i] = 1.0;
    const double light = Chart::smooth(step, 0.3)[30], heavy = Chart::smooth(step, 0.95)[30];
    EXPECT_GT(light, 0.99);
    EXPECT_LT(heavy, 0.5);
    EXPECT_GT(heavy, 0.0);
    // A missing value stays missing and does not disturb the average.
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const std::vector<double> gap = Chart::smooth({4, nan, 4}, 0.8);
    EXPECT_TRUE(std::isnan(gap[1]));
    EXPECT_DOUBLE_EQ(gap[2], 4.0);
}

TEST(HistoryModels, ParetoChartHighlightsTheFrontier) {
    // latency (ms, lower is better) and accuracy (higher is better):
    //   1: (1, 0.80) front   2: (2, 0.85) front   3: (3, 0.84) beaten by 2
    //   4: (4, 0.90) front   5: (5, 0.70) beaten by all   6: no latency, not plotted
    const double lat[] = {1, 2, 3, 4, 5}, acc[] = {0.80, 0.85, 0.84, 0.90, 0.70};
    std::vector<RunRecord> runs;
    for (int i = 0; i < 6; ++i) {
        RunRecord r = makeRun(i + 1);
        r.test_accuracy = i < 5 ? acc[i] : 0.99;
        r.summary_json = i < 5 ? "{\"int8_latency_ms_b1\":" + std::to_string(lat[i]) + ",\"params\":" + std::to_string(1000 * (i + 1)) + "}"
                               : std::string("{}");
        runs.push_back(r);
    }
    auto numbers = std::make_shared<ui::RunNumbersById>();
    std::vector<const RunRecord*> pointers;
    for (const RunRecord& r : runs) {
        numbers->emplace(r.id, ui::numbersOf(r));
        pointers.push_back(&r);
    }
    ui::ParetoChart chart;
    chart.setRuns(pointers, numbers, "constructed");
    ASSERT_TRUE(chart.setFields("@latency", "@accuracy"));
    EXPECT_FALSE(chart.xHigherCheck()->isChecked());
    EXPECT_TRUE(chart.yHigherCheck()->isChecked());
    EXPECT_EQ(chart.plottedRuns(), (std::vector<RunId>{1, 2, 3, 4, 5}));
    EXPECT_EQ(chart.frontRuns(), (std::vector<RunId>{1, 2, 4}));
    // The frontier line goes through exactly those runs, in x order.
    const QCPGraph* line = chart.plot()->graph(1);
    EXPECT_EQ(test::keys(line), (std::vector<double>{1, 2, 4}));
    EXPECT_EQ(test::values(line), (std::vector<double>{0.80, 0.85, 0.90}));
    EXPECT_EQ(chart.plot()->graph(0)->dataCount(), 5);

    // Higher latency "better" (as a what-if): runs 4 and 5 are the frontier.
    chart.setHigherIsBetter(true, true);
    EXPECT_EQ(chart.frontRuns(), (std::vector<RunId>{4, 5}));

    // Any numeric summary field is on offer; size derives from the parameter count.
    EXPECT_GE(chart.xCombo()->findData("summary.params"), 0);
    ASSERT_TRUE(chart.setFields("@size", "@accuracy"));
    EXPECT_EQ(chart.frontRuns(), (std::vector<RunId>{1, 2, 4}));
    EXPECT_EQ(*ui::fieldValue("@size", runs[1].test_accuracy, numbers->at(2)), 8000.0);
    EXPECT_EQ(*ui::fieldValue("@active", std::nullopt, numbers->at(2)), 2000.0);
    EXPECT_FALSE(ui::fieldValue("@latency", std::nullopt, numbers->at(6)));

    chart.setRuns({}, numbers, "none");
    EXPECT_TRUE(chart.frontRuns().empty());
}

TEST(HistoryModels, ParallelCoordinatesAxesAreTheVaryingFields) {
    std::vector<RunRecord> runs = makeRuns(8);
    auto numbers = std::make_shared<ui::RunNumbersById>();
    std::vector<const RunRecord*> pointers;
    for (const RunRecord& r : runs) {
        numbers->emplace(r.id, ui::numbersOf(r));
        pointers.push_back(&r);
    }
    ui::ParallelCoordinatesChart chart;
    chart.setRuns(pointers, *numbers, "eight runs");
    std::vector<QString> ids;
    for (const ui::RunField& f : chart.axes()) ids.push_back(f.id);
    // hidden varies, optimizer.lr does not; step_ms varies; accuracy last.
    EXPECT_EQ(ids, (std::vector<QString>{"config.hidden", "summary.step_ms", "@accuracy"}));
    EXPECT_EQ(chart.lineCount(), 8);
    EXPECT_EQ(chart.plot()->graphCount(), 8);
    // Each line is scaled to 0..1 per axis: the best accuracy sits at the top.
    const QCPGraph* best = chart.plot()->graph(0);  // run 8
    EXPECT_DOUBLE_EQ(test::values(best).back(), 1.0);

    chart.setRuns({}, *numbers, "none");
    EXPECT_EQ(chart.lineCount(), 0);
}

TEST(HistoryModels, TagEditsTouchOnlyTheSharedTags) {
    RunRecord a = makeRun(1), b = makeRun(2);
    a.tags = {"baseline", "keep", "old"};
    b.tags = {"keep", "old", "sweep"};
    EXPECT_EQ(ui::sharedTags({&a, &b}), (QStringList{"keep", "old"}));
    EXPECT_EQ(ui::sharedTags({&a}), (QStringList{"baseline", "keep", "old"}));
    // "old" removed, "new" added; "baseline" and "sweep" (not shared) untouched.
    const ui::TagEdit edit = ui::tagEditFrom({"keep", "old"}, " keep, new ,, new");
    EXPECT_EQ(edit.add, QStringList{"new"});
    EXPECT_EQ(edit.remove, QStringList{"old"});
    EXPECT_TRUE(ui::tagEditFrom({"keep"}, "keep").isEmpty());
}

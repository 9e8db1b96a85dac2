// The Profile view: charts on one time axis that zoom and pan together, the top operators of a
// selected range from the ops/* cumulative counters, alert and stage markers, the profiler's
// status line and the empty GPU charts, a past run drawn from the history, the alert badge of
// the main window, and a real short training job streaming into the view.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QComboBox>
#include <QLabel>
#include <QListWidget>
#include <QMouseEvent>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTableView>
#include <QTest>
#include <QToolButton>
#include <QWheelEvent>
#include <qcustomplot.h>

#include "common/time_units.h"
#include "core/joblane.h"
#include "core/mainwindow.h"
#include "profile/oprangemodel.h"
#include "page_test_support.h"
#include "profile/profilecharts.h"
#include "profile/profilefeed.h"
#include "profile/profilepage.h"
#include "profile/profiletimeline.h"
#include "sparq/engine/train.h"
#include "sparq/profiler/run_store.h"
#include "core/workbench.h"

using namespace sparq;
using ui::ProfileChart;
using ui::ProfileCharts;
using ui::TimedPoint;

namespace {

using sparq::test::kMs;
constexpr std::int64_t kOrigin = 7'000 * kMs;  // the steady clock of the samples: not 0
const char* kNoGpuStatus = "profiler: CPU process, cores, memory, ops · GPU none (the job runs on the CPU: CPU collectors only)";

// Publishes samples of one run at chosen times (ms after kOrigin).
class TimedPublisher {
public:
    TimedPublisher(profiler::MetricBus& bus, profiler::RunId run) : bus_(bus), out_(bus.make_producer()), run_(run) {}
    void at(double ms, const std::string& name, std::int64_t step, double value) {
        profiler::Sample s;
        s.run = std::uint32_t(run_);
        s.series = bus_.series().intern(name);
        s.step = step;
        s.time_ns = kOrigin + std::int64_t(std::llround(ms * 1e6));
        s.value = value;
        out_.publish(s);
    }
    void flush() { bus_.flush(); }

private:
    profiler::MetricBus& bus_;
    profiler::Producer out_;
    profiler::RunId run_;
};

// Two operators' cumulative counters every 250 ms, k = 1..12 (t = 0.25 k s):
//   aten::addmm  self 2k ms,     calls 3k
//   aten::relu   self 0.5k² ms,  calls k
void publishOps(TimedPublisher& p) {
    for (int k = 1; k <= 12; ++k) {
        p.at(250.0 * k, "ops/aten::addmm/self_ms", k, 2.0 * k);
        p.at(250.0 * k, "ops/aten::addmm/calls", k, 3.0 * k);
        p.at(250.0 * k, "ops/aten::relu/self_ms", k, 0.5 * k * k);
        p.at(250.0 * k, "ops/aten::relu/calls", k, double(k));
    }
}

// Over [0.6 s, 1.6 s] the counters at 0.5 s (k = 2) and 1.5 s (k = 6) differ by:
//   relu  self 18 - 2 = 16 ms, calls 4;  addmm  self 12 - 4 = 8 ms, calls 12.
void expectRangeOps(const std::vector<ui::OpShare>& rows) {
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].name, "aten::relu");
    EXPECT_DOUBLE_EQ(rows[0].selfMs, 16.0);
    EXPECT_DOUBLE_EQ(rows[0].calls, 4.0);
    EXPECT_NEAR(rows[0].share, 16.0 / 24.0, 1e-12);
    EXPECT_EQ(rows[1].name, "aten::addmm");
    EXPECT_DOUBLE_EQ(rows[1].selfMs, 8.0);
    EXPECT_DOUBLE_EQ(rows[1].calls, 12.0);
    EXPECT_NEAR(rows[1].share, 8.0 / 24.0, 1e-12);
}

std::pair<double, double> xOf(const QCustomPlot* plot) { return {plot->xAxis->range().lower, plot->xAxis->range().upper}; }

void expectAllCharts(const ProfileCharts& charts, std::pair<double, double> range) {
    for (int c = 0; c < charts.chartCount(); ++c) {
        EXPECT_NEAR(xOf(charts.chart(c)).first, range.first, 1e-9) << "chart " << c;
        EXPECT_NEAR(xOf(charts.chart(c)).second, range.second, 1e-9) << "chart " << c;
    }
}

QPoint insideAxisRect(const QCustomPlot* plot, double fx) {
    const QRect r = plot->axisRect()->rect();
    return QPoint(r.left() + int(r.width() * fx), r.center().y());
}

void sendMouse(QWidget* w, QEvent::Type type, QPoint pos, Qt::MouseButton button, Qt::MouseButtons buttons,
               Qt::KeyboardModifiers modifiers = Qt::NoModifier) {
    QMouseEvent e(type, QPointF(pos), QPointF(w->mapToGlobal(pos)), button, buttons, modifiers);
    QApplication::sendEvent(w, &e);
}

// The times of a graph's points.
std::vector<double> keysOf(const QCPGraph* g) { return sparq::test::keys(g); }

bool hasMarkerAt(const ProfileCharts& charts, ProfileChart c, double t, const QString& text) {
    const double x = charts.chart(c)->xAxis->coordToPixel(t);
    return charts.markerToolTipAt(c, x).contains(text);
}

}  // namespace

// ---------------------------------------------------------------- the parts alone

TEST(ProfileTimeline, TopOperatorsOfARangeAreCounterDifferences) {
    ui::ProfileTimeline timeline;
    std::vector<TimedPoint> addmmSelf, addmmCalls, reluSelf, reluCalls;
    for (int k = 1; k <= 12; ++k) {
        const double t = 0.25 * k;
        addmmSelf.push_back({t, 2.0 * k});
        addmmCalls.push_back({t, 3.0 * k});
        reluSelf.push_back({t, 0.5 * k * k});
        reluCalls.push_back({t, double(k)});
    }
    timeline.addPoints("ops/aten::addmm/self_ms", addmmSelf, false);
    timeline.addPoints("ops/aten::addmm/calls", addmmCalls, false);
    timeline.addPoints("ops/aten::relu/self_ms", reluSelf, false);
    timeline.addPoints("ops/aten::relu/calls", reluCalls, false);
    timeline.addPoints("ops/dropped", {{0.25, 0.0}}, false);  // not an operator
    EXPECT_LT(timeline.opsCoverageAt(1.0), 0.0) << "no coverage series: recorded in full";
    timeline.addPoints("ops/coverage", {{0.25, 0.4}, {0.5, 0.3}, {0.75, 0.2}}, false);  // not an operator
    ASSERT_EQ(timeline.ops().size(), 2u);
    EXPECT_DOUBLE_EQ(timeline.opsCoverageAt(0.1), 0.4);
    EXPECT_DOUBLE_EQ(timeline.opsCoverageAt(0.6), 0.3);
    EXPECT_DOUBLE_EQ(timeline.opsCoverageAt(5.0), 0.2);

    expectRangeOps(timeline.topOperators(0.6, 1.6));
    expectRangeOps(timeline.topOperators(1.6, 0.6));  // either way round
    EXPECT_DOUBLE_EQ(timeline.totalSelfMs(0.6, 1.6), 24.0);

    // From before the first sample: the counters start at 0. Whole run: the last values.
    const auto start = timeline.topOperators(-1.0, 0.3);
    ASSERT_EQ(start.size(), 2u);
    EXPECT_EQ(start[0].name, "aten::addmm");
    EXPECT_DOUBLE_EQ(start[0].selfMs, 2.0);
    const auto all = timeline.topOperators(-1.0, 100.0);
    EXPECT_DOUBLE_EQ(all[0].selfMs, 72.0);  // relu: 0.5 * 144
    EXPECT_DOUBLE_EQ(all[1].calls, 36.0);   // addmm: 3 * 12
    EXPECT_EQ(timeline.topOperators(-1.0, 100.0, 1).size(), 1u);
    // A range between two samples holds nothing.
    EXPECT_TRUE(timeline.topOperators(0.3, 0.45).empty());

    // Reading the table through its model.
    ui::OpRangeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    model.setRows(timeline.topOperators(0.6, 1.6));
    ASSERT_EQ(model.rowCount(), 2);
    EXPECT_EQ(model.index(0, ui::OpRangeModel::Name).data().toString(), "aten::relu");
    EXPECT_DOUBLE_EQ(model.index(0, ui::OpRangeModel::SelfMs).data(Qt::UserRole).toDouble(), 16.0);
    EXPECT_EQ(model.index(1, ui::OpRangeModel::Calls).data().toString(), "12");
    EXPECT_TRUE(model.index(0, ui::OpRangeModel::Share).data().toString().startsWith("66.7"));
    model.setRows({});
    EXPECT_EQ(model.rowCount(), 0);
}

TEST(ProfileTimeline, ReadsStatusLinesAlertMessagesAndStageSeries) {
    const auto none = ui::parseProfilerStatus(kNoGpuStatus);
    EXPECT_EQ(none.cpu, "process, cores, memory, ops");
    EXPECT_TRUE(none.noGpu());
    EXPECT_TRUE(none.gpu.contains("the job runs on the CPU"));

    const auto both = ui::parseProfilerStatus("profiler: CPU process, cores, memory · GPU CUPTI activity, NVML");
    EXPECT_FALSE(both.noGpu());
    EXPECT_TRUE(both.cuptiOff().isEmpty());
    EXPECT_TRUE(both.nvmlOff().isEmpty());

    // A refusal may hold "; " itself; NVML's part is the last.
    const auto refused = ui::parseProfilerStatus(
        "profiler: CPU process · GPU CUPTI off: insufficient privileges; run as root; NVML off: NVML failed; reload");
    EXPECT_EQ(refused.cuptiOff(), "insufficient privileges; run as root");
    EXPECT_EQ(refused.nvmlOff(), "NVML failed; reload");
    const auto cuptiOnly = ui::parseProfilerStatus("profiler: CPU process · GPU CUPTI off: another profiler, NVML");
    EXPECT_EQ(cuptiOnly.cuptiOff(), "another profiler");
    EXPECT_TRUE(cuptiOnly.nvmlOff().isEmpty());

    const auto fired = ui::parseAlertMessage("alert: quantization error (quant/fc1/error = 0.07 at step 6)");
    ASSERT_TRUE(fired);
    EXPECT_TRUE(fired->fired);
    EXPECT_EQ(fired->rule, "quantization error");
    EXPECT_EQ(fired->series, "quant/fc1/error");
    EXPECT_DOUBLE_EQ(fired->value, 0.07);
    EXPECT_EQ(fired->step, 6);
    const auto cleared = ui::parseAlertMessage("cleared: GPU mostly idle (gpu/busy = 0.8 at step 40)");
    ASSERT_TRUE(cleared);
    EXPECT_FALSE(cleared->fired);
    EXPECT_FALSE(ui::parseAlertMessage("training mlp on cpu"));

    EXPECT_TRUE(ui::isStageSeries("distill/stage"));
    EXPECT_TRUE(ui::isStageSeries("logit_only/distill/stage"));
    EXPECT_TRUE(ui::isStageSeries("continual/ewc/task"));
    EXPECT_FALSE(ui::isStageSeries("continual/ewc/accuracy/task0"));
    EXPECT_EQ(ui::stageMarker("distill/stage", 1.0, 2).label, "stage 2");
    EXPECT_TRUE(ui::stageMarker("distill/stage", 1.0, 2).toolTip.contains("logit distillation"));
    EXPECT_EQ(ui::stageMarker("continual/ewc/task", 1.0, 2).label, "ewc task 3");
}

TEST(ProfileCharts, ZoomAndPanOnOneChartMoveEveryChart) {
    ProfileCharts charts;
    charts.resize(900, 1900);
    charts.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&charts));
    std::vector<TimedPoint> cpu, loss;
    for (int i = 0; i <= 100; ++i) {
        cpu.push_back({0.1 * i, 1.0 + std::sin(i * 0.1)});
        loss.push_back({0.1 * i, 2.0 / (1 + i)});
    }
    charts.addPoints("cpu/util", cpu, false);
    charts.addPoints("train/loss", loss, false);
    charts.addPoints("no/such/series", loss, false);  // drawn nowhere
    EXPECT_EQ(charts.graph("no/such/series"), nullptr);
    charts.refresh();
    ASSERT_NE(charts.graph("cpu/util"), nullptr);
    EXPECT_EQ(charts.graph("cpu/util")->dataCount(), 101);
    EXPECT_TRUE(charts.following());
    expectAllCharts(charts, charts.xRange());
    EXPECT_NEAR(charts.xRange().second, 10.2, 1e-9);

    // A range set on one chart's axis (what its wheel and drag do) moves every chart.
    charts.chart(ProfileChart::Loss)->xAxis->setRange(2.0, 5.0);
    expectAllCharts(charts, {2.0, 5.0});
    EXPECT_FALSE(charts.following());

    // The mouse wheel over the CPU chart zooms all of them in.
    QCustomPlot* cpuPlot = charts.chart(ProfileChart::CpuProcess);
    const QPoint centre = insideAxisRect(cpuPlot, 0.5);
    QWheelEvent wheel(QPointF(centre), QPointF(cpuPlot->mapToGlobal(centre)), QPoint(), QPoint(0, 120), Qt::NoButton,
                      Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(cpuPlot, &wheel);
    const auto zoomed = charts.xRange();
    EXPECT_LT(zoomed.second - zoomed.first, 3.0 - 1e-6);
    expectAllCharts(charts, zoomed);

    // Dragging the throughput chart to the left pans all of them later in time.
    QCustomPlot* speedPlot = charts.chart(ProfileChart::Throughput);
    const QPoint from = insideAxisRect(speedPlot, 0.6), to = insideAxisRect(speedPlot, 0.3);
    sendMouse(speedPlot, QEvent::MouseButtonPress, from, Qt::LeftButton, Qt::LeftButton);
    sendMouse(speedPlot, QEvent::MouseMove, to, Qt::NoButton, Qt::LeftButton);
    sendMouse(speedPlot, QEvent::MouseButtonRelease, to, Qt::LeftButton, Qt::NoButton);
    const auto panned = charts.xRange();
    EXPECT_GT(panned.first, zoomed.first + 1e-6);
    EXPECT_NEAR(panned.second - panned.first, zoomed.second - zoomed.first, 1e-9);
    expectAllCharts(charts, panned);

    // Keys: + zooms in, Right pans, Home fits the whole run again.
    charts.setFocus();
    QTest::keyClick(&charts, Qt::Key_Plus);
    EXPECT_NEAR(charts.xRange().second - charts.xRange().first, (panned.second - panned.first) * 0.8, 1e-9);
    expectAllCharts(charts, charts.xRange());
    const auto beforeRight = charts.xRange();
    QTest::keyClick(&charts, Qt::Key_Right);
    EXPECT_GT(charts.xRange().first, beforeRight.first);
    expectAllCharts(charts, charts.xRange());
    QTest::keyClick(&charts, Qt::Key_Home);
    EXPECT_TRUE(charts.following());
    EXPECT_NEAR(charts.xRange().first, 0.0, 1e-9);
    expectAllCharts(charts, charts.xRange());

    // Shift+drag selects a range, drawn on every chart; Esc clears it.
    QSignalSpy selected(&charts, &ProfileCharts::rangeSelected);
    QCustomPlot* lossPlot = charts.chart(ProfileChart::Loss);
    const QPoint a = insideAxisRect(lossPlot, 0.2), b = insideAxisRect(lossPlot, 0.5);
    sendMouse(lossPlot, QEvent::MouseButtonPress, a, Qt::LeftButton, Qt::LeftButton, Qt::ShiftModifier);
    sendMouse(lossPlot, QEvent::MouseMove, b, Qt::NoButton, Qt::LeftButton, Qt::ShiftModifier);
    sendMouse(lossPlot, QEvent::MouseButtonRelease, b, Qt::LeftButton, Qt::NoButton, Qt::ShiftModifier);
    ASSERT_EQ(selected.count(), 1);
    ASSERT_TRUE(charts.selectedRange());
    EXPECT_NEAR(charts.selectedRange()->first, lossPlot->xAxis->pixelToCoord(a.x()), 1e-9);
    EXPECT_NEAR(charts.selectedRange()->second, lossPlot->xAxis->pixelToCoord(b.x()), 1e-9);
    EXPECT_TRUE(charts.following());  // selecting is not panning
    QSignalSpy cleared(&charts, &ProfileCharts::rangeCleared);
    QTest::keyClick(&charts, Qt::Key_Escape);
    EXPECT_EQ(cleared.count(), 1);
    EXPECT_FALSE(charts.selectedRange());
}

// ---------------------------------------------------------------- the page, live

TEST(ProfilePage, LiveRunRangeSelectionAlertsAndTheEmptyGpuState) {
    sparq::test::ScratchWorkbench scratch;
    ui::Workbench& wb = scratch.wb;
    ui::ProfilePage page(&wb);
    page.resize(1400, 1000);
    page.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&page));
    ASSERT_TRUE(QTest::qWaitFor([&] { return page.listLoads() > 0; }, 10000));
    EXPECT_EQ(page.shownRun(), 0);  // an empty history

    // The job starts, says what the profiler runs, and publishes.
    const profiler::RunId kRun = wb.store().create_run({"live one", "train", "", "{}"});
    const auto bridge = sparq::test::announceLane<engine::TrainSpec>(wb);
    bridge->on_started(kRun, "cpu");
    ASSERT_TRUE(QTest::qWaitFor([&] { return page.showsLive() && page.shownRun() == kRun; }, 5000));
    EXPECT_TRUE(page.statusLine()->text().contains("waiting"));
    bridge->on_log("info", kNoGpuStatus);
    ASSERT_TRUE(QTest::qWaitFor([&] { return page.statusLine()->text().contains("the job runs on the CPU"); }, 5000));

    TimedPublisher pub(wb.bus(), kRun);
    pub.at(0, "cpu/util", 0, 0.9);  // the run's origin
    for (int i = 1; i <= 30; ++i) {
        pub.at(100.0 * i, "cpu/util", i, 1.0);
        pub.at(100.0 * i, "cpu/core0/util", i, 0.5);
        pub.at(100.0 * i, "train/loss", i, 2.0 / i);
    }
    pub.at(1000, "quant/fc1/error", 10, 0.01);
    publishOps(pub);
    pub.flush();
    page.drainFeed();
    ProfileCharts* charts = page.charts();
    ASSERT_NE(charts->graph("cpu/util"), nullptr);
    EXPECT_EQ(charts->graph("cpu/util")->dataCount(), 31);
    EXPECT_DOUBLE_EQ(keysOf(charts->graph("cpu/util")).back(), 3.0);
    ASSERT_NE(charts->graph("cpu/core0/util"), nullptr);
    EXPECT_EQ(charts->graph("cpu/core0/util")->name(), "core 0");
    EXPECT_EQ(page.timeline().ops().size(), 2u);

    // The GPU charts are empty and say why, in the status line's words.
    for (ProfileChart gpu : {ProfileChart::GpuActivity, ProfileChart::GpuNvml}) {
        const QString text = charts->placeholderText(gpu);
        EXPECT_TRUE(text.contains("No GPU in this job — CPU collectors only")) << text.toStdString();
        EXPECT_TRUE(text.contains("the job runs on the CPU: CPU collectors only")) << text.toStdString();
    }
    EXPECT_TRUE(charts->placeholderText(ProfileChart::CpuProcess).isEmpty());
    EXPECT_TRUE(page.kernelsNote()->text().contains("no GPU kernel data"));

    // Without a range: the whole run so far (the live table is recomputed twice a second).
    ASSERT_TRUE(QTest::qWaitFor([&] { return page.opsModel()->rowCount() == 2; }, 5000));
    EXPECT_DOUBLE_EQ(page.opsModel()->rows()[0].selfMs, 72.0);
    EXPECT_TRUE(page.rangeCaption()->text().contains("whole run"));
    // A range: each counter's difference between the ends.
    charts->selectRange(0.6, 1.6);
    expectRangeOps(page.opsModel()->rows());
    EXPECT_TRUE(page.rangeCaption()->text().contains("0.60 – 1.60 s"));
    EXPECT_TRUE(page.rangeCaption()->text().contains("24.0 ms"));
    charts->clearRange();
    EXPECT_DOUBLE_EQ(page.opsModel()->rows()[0].selfMs, 72.0);

    // Alerts come from the bus's thread, placed on the samples' clock, on every chart.
    engine::AlertReport fired;
    fired.run_id = kRun;
    fired.rule = "quantization error";
    fired.series = "quant/fc1/error";
    fired.level = "warning";
    fired.message = "alert: quantization error (quant/fc1/error = 0.07 at step 12)";
    fired.time_ns = kOrigin + 1250 * kMs;
    engine::AlertReport cleared = fired;
    cleared.fired = false;
    cleared.level = "info";
    cleared.message = "cleared: quantization error (quant/fc1/error = 0.01 at step 20)";
    cleared.time_ns = kOrigin + 2500 * kMs;
    engine::AlertReport otherRun = fired;
    otherRun.run_id = kRun - 1;
    std::thread consumer([&] {
        bridge->on_alert(fired);
        bridge->on_alert(otherRun);
        bridge->on_alert(cleared);
    });
    consumer.join();
    ASSERT_TRUE(QTest::qWaitFor([&] { return page.alertList()->count() == 2; }, 5000));
    QTest::qWait(50);
    EXPECT_EQ(page.alertList()->count(), 2);  // not the other run's
    ASSERT_EQ(page.timeline().alerts().size(), 2u);
    EXPECT_DOUBLE_EQ(page.timeline().alerts()[0].t, 1.25);
    EXPECT_DOUBLE_EQ(page.timeline().alerts()[1].t, 2.5);
    EXPECT_TRUE(page.alertList()->item(0)->text().startsWith("1.25 s"));
    for (int c = 0; c < charts->chartCount(); ++c) EXPECT_EQ(charts->markerCount(ProfileChart(c)), 2) << c;
    charts->refresh();
    EXPECT_TRUE(hasMarkerAt(*charts, ProfileChart::CpuProcess, 1.25, "warning"));
    EXPECT_TRUE(hasMarkerAt(*charts, ProfileChart::GpuActivity, 2.5, "cleared"));
    EXPECT_FALSE(hasMarkerAt(*charts, ProfileChart::Loss, 2.0, "quantization"));

    // A stage change is a marker too.
    pub.at(2000, "distill/stage", 100, 2);
    pub.flush();
    page.drainFeed();
    EXPECT_EQ(charts->markerCount(ProfileChart::Loss), 3);
    charts->refresh();
    EXPECT_TRUE(hasMarkerAt(*charts, ProfileChart::Loss, 2.0, "logit distillation"));

    // Clicking an alert centres the charts on it.
    charts->setXRange(10, 12);
    page.alertList()->setCurrentRow(0);
    emit page.alertList()->itemClicked(page.alertList()->item(0));
    EXPECT_NEAR((charts->xRange().first + charts->xRange().second) / 2, 1.25, 1e-9);
}

// ---------------------------------------------------------------- the page, a past run

TEST(ProfilePage, PastRunRecordedThroughTheStoreLoadsAndDraws) {
    sparq::test::ScratchWorkbench scratch;
    ui::Workbench& wb = scratch.wb;
    profiler::RunStore& store = wb.store();
    const profiler::RunId id = store.create_run({"profiled mlp", "train", "mlp-fashion", "{}"});
    store.add_event(id, "info", "profiler", kNoGpuStatus);
    {
        TimedPublisher pub(wb.bus(), id);
        pub.at(0, "cpu/util", 0, 1.5);
        for (int step = 1; step <= 12; ++step) {
            pub.at(500.0 * step, "quant/fc1/error", step, step < 6 || step >= 9 ? 0.01 : 0.07);
            pub.at(500.0 * step, "cpu/util", step, 1.0);
        }
        pub.at(1000, "distill/stage", 0, 1);
        pub.at(4000, "distill/stage", 8, 2);
        publishOps(pub);
        pub.flush();
    }
    store.add_event(id, "warning", "alert", "alert: quantization error (quant/fc1/error = 0.07 at step 6)");
    store.add_event(id, "info", "alert_cleared", "cleared: quantization error (quant/fc1/error = 0.01 at step 9)");
    store.add_event(id, "error", "alert", "alert: test accuracy decay (test/accuracy = 0.8 at step 99)");
    store.finish_run(id, "completed", "{}", 0.8);
    store.flush();

    ui::ProfilePage page(&wb);
    page.resize(1400, 1000);
    page.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&page));
    ASSERT_TRUE(QTest::qWaitFor([&] { return page.seriesLoads() > 0; }, 10000));
    EXPECT_EQ(page.shownRun(), id);  // the newest run, by itself
    EXPECT_FALSE(page.showsLive());
    EXPECT_EQ(page.runCombo()->currentData().toLongLong(), id);
    EXPECT_FALSE(page.selectRun(id + 100));

    // Series on the run's axis: seconds since its first sample.
    ProfileCharts* charts = page.charts();
    ASSERT_NE(charts->graph("quant/fc1/error"), nullptr);
    const auto keys = keysOf(charts->graph("quant/fc1/error"));
    ASSERT_EQ(keys.size(), 12u);
    EXPECT_DOUBLE_EQ(keys.front(), 0.5);
    EXPECT_DOUBLE_EQ(keys.back(), 6.0);
    EXPECT_EQ(charts->graph("quant/fc1/error")->name(), "fc1");
    EXPECT_EQ(charts->graph("cpu/util")->dataCount(), 13);
    EXPECT_TRUE(charts->placeholderText(ProfileChart::QuantError).isEmpty());
    EXPECT_TRUE(charts->placeholderText(ProfileChart::ActivationRate).contains("gated"));
    EXPECT_NEAR(charts->xRange().first, 0.0, 1e-9);  // fitted to the whole run
    EXPECT_GE(charts->xRange().second, 6.0);

    // Alerts from the run's events, at the samples that fired them; an alert whose series was
    // not recorded falls back on the wall clock.
    const auto& alerts = page.timeline().alerts();
    ASSERT_EQ(alerts.size(), 3u);
    std::vector<double> quantTimes;
    for (const auto& a : alerts)
        if (a.series == "quant/fc1/error") quantTimes.push_back(a.t);
    ASSERT_EQ(quantTimes.size(), 2u);
    EXPECT_DOUBLE_EQ(quantTimes[0], 3.0);  // step 6
    EXPECT_DOUBLE_EQ(quantTimes[1], 4.5);  // step 9
    EXPECT_EQ(page.alertList()->count(), 3);
    // Two stage changes and three alerts on every chart.
    for (int c = 0; c < charts->chartCount(); ++c) EXPECT_EQ(charts->markerCount(ProfileChart(c)), 5) << c;
    charts->refresh();
    EXPECT_TRUE(hasMarkerAt(*charts, ProfileChart::QuantError, 3.0, "alert: quantization error"));
    EXPECT_TRUE(hasMarkerAt(*charts, ProfileChart::CpuCores, 4.5, "cleared"));
    EXPECT_TRUE(hasMarkerAt(*charts, ProfileChart::Throughput, 1.0, "hint alignment"));

    // The status line and the empty GPU charts, from the run's "profiler" event.
    EXPECT_TRUE(page.statusLine()->text().contains("none (the job runs on the CPU: CPU collectors only)"));
    EXPECT_TRUE(charts->placeholderText(ProfileChart::GpuActivity).contains("No GPU in this job"));

    // Operators from the recorded counters.
    ASSERT_EQ(page.opsModel()->rowCount(), 2);
    charts->selectRange(0.6, 1.6);
    expectRangeOps(page.opsModel()->rows());
    sparq::test::saveScreenshot(page, "SPARQ_PROFILE_PAST_SCREENSHOT");

    // A run recorded without the profiler says so.
    const profiler::RunId bare = store.create_run({"no profiler", "train", "", "{}"});
    {
        TimedPublisher pub(wb.bus(), bare);
        pub.at(0, "train/loss", 1, 2.0);
        pub.flush();
    }
    store.finish_run(bare, "completed", "{}", std::nullopt);
    store.flush();
    const int lists = page.listLoads();
    page.refreshRuns();
    ASSERT_TRUE(QTest::qWaitFor([&] { return page.listLoads() > lists; }, 10000));
    const int loads = page.seriesLoads();
    ASSERT_TRUE(page.selectRun(bare));
    ASSERT_TRUE(QTest::qWaitFor([&] { return page.seriesLoads() > loads; }, 10000));
    EXPECT_TRUE(page.statusLine()->text().contains("no status line"));
    EXPECT_TRUE(charts->placeholderText(ProfileChart::GpuActivity).contains("no profiler status"));
    EXPECT_EQ(page.opsModel()->rowCount(), 0);
    EXPECT_TRUE(page.rangeCaption()->text().contains("no operator counters"));
    EXPECT_EQ(page.alertList()->count(), 0);
}

TEST(ProfilePage, GpuRunsDrawTheirCountersAndSayWhatIsNotTraced) {
    sparq::test::ScratchWorkbench scratch;
    ui::Workbench& wb = scratch.wb;
    profiler::RunStore& store = wb.store();
    // A run where CUPTI and NVML ran.
    const profiler::RunId gpu = store.create_run({"on a gpu", "train", "", "{}"});
    store.add_event(gpu, "info", "profiler", "profiler: CPU process, cores, memory, ops · GPU CUPTI activity, NVML");
    // A run where CUPTI was refused and NVML ran.
    const profiler::RunId refused = store.create_run({"cupti refused", "train", "", "{}"});
    store.add_event(refused, "info", "profiler",
                    "profiler: CPU process, cores, memory, ops · GPU CUPTI off: CUPTI needs profiling privileges; "
                    "run as root, NVML");
    for (profiler::RunId id : {gpu, refused}) {
        TimedPublisher pub(wb.bus(), id);
        for (int i = 0; i <= 8; ++i) {
            if (id == gpu) {
                pub.at(250.0 * i, "gpu/busy", i, 0.9);
                pub.at(250.0 * i, "gpu/sm_efficiency", i, 0.7);
                pub.at(250.0 * i, "gpu/memcpy_gbps", i, 12.0);
            }
            pub.at(250.0 * i, "nvml/gpu_util", i, 0.8);
            pub.at(250.0 * i, "nvml/mem_used_mb", i, 2048.0);
        }
        pub.flush();
        store.finish_run(id, "completed", "{}", std::nullopt);
    }
    store.flush();

    ui::ProfilePage page(&wb);
    page.resize(1400, 1000);
    page.show();
    ASSERT_TRUE(QTest::qWaitFor([&] { return page.listLoads() > 0 && page.seriesLoads() > 0; }, 10000));
    int loads = page.seriesLoads();
    ASSERT_TRUE(page.selectRun(gpu));
    ASSERT_TRUE(QTest::qWaitFor([&] { return page.seriesLoads() > loads; }, 10000));
    ProfileCharts* charts = page.charts();
    ASSERT_NE(charts->graph("gpu/busy"), nullptr);
    EXPECT_EQ(charts->graph("gpu/busy")->dataCount(), 9);
    EXPECT_EQ(charts->graph("gpu/memcpy_gbps")->valueAxis(), charts->chart(ProfileChart::GpuActivity)->yAxis2);
    EXPECT_EQ(charts->graph("nvml/mem_used_mb")->valueAxis(), charts->chart(ProfileChart::GpuNvml)->yAxis2);
    EXPECT_TRUE(charts->placeholderText(ProfileChart::GpuActivity).isEmpty());
    EXPECT_TRUE(charts->placeholderText(ProfileChart::GpuNvml).isEmpty());
    // No per-kernel series exists: the view says so rather than making a table up.
    EXPECT_TRUE(page.kernelsNote()->text().contains("no per-kernel series")) << page.kernelsNote()->text().toStdString();

    loads = page.seriesLoads();
    ASSERT_TRUE(page.selectRun(refused));
    ASSERT_TRUE(QTest::qWaitFor([&] { return page.seriesLoads() > loads; }, 10000));
    EXPECT_EQ(charts->graph("gpu/busy"), nullptr);
    const QString why = charts->placeholderText(ProfileChart::GpuActivity);
    EXPECT_TRUE(why.contains("CUPTI did not run: CUPTI needs profiling privileges; run as root")) << why.toStdString();
    EXPECT_TRUE(charts->placeholderText(ProfileChart::GpuNvml).isEmpty());
    EXPECT_TRUE(page.kernelsNote()->text().contains("CUPTI did not run"));
}

// ---------------------------------------------------------------- the main window

TEST(ProfilePage, MainWindowOpensTheViewAndCountsAlerts) {
    sparq::test::ScratchWorkbench scratch;
    ui::MainWindow window(&scratch.wb);
    ASSERT_TRUE(sparq::test::showActive(window));
    QTest::keyClick(&window, Qt::Key_8, Qt::ControlModifier);
    EXPECT_EQ(window.currentView(), ui::MainWindow::ProfileView);
    ASSERT_NE(window.profilePage(), nullptr);
    EXPECT_TRUE(window.profilePage()->isVisible());
    // Esc on the charts clears a selected range (the window's Esc stops a job).
    ProfileCharts* charts = window.profilePage()->charts();
    charts->selectRange(1.0, 2.0);
    charts->setFocus();
    QTest::keyClick(charts, Qt::Key_Escape);
    EXPECT_FALSE(charts->selectedRange());
    QTest::keyClick(&window, Qt::Key_1, Qt::ControlModifier);
    EXPECT_EQ(window.currentView(), ui::MainWindow::LaunchView);

    EXPECT_TRUE(window.alertBadge()->isHidden());
    engine::AlertReport r;
    r.run_id = 3;
    r.rule = "test accuracy decay";
    r.series = "test/accuracy";
    r.level = "error";
    r.message = "alert: test accuracy decay (test/accuracy = 0.8 at step 99)";
    // Any kind of job's alerts reach the window (a quantization job's here, then a training job's;
    // both started before the alerts, as a new job's start clears the count).
    const auto quantizeLane = sparq::test::announceLane<engine::QuantizeSpec>(scratch.wb);
    const auto trainLane = sparq::test::announceLane<engine::TrainSpec>(scratch.wb);
    quantizeLane->on_alert(r);
    ASSERT_TRUE(QTest::qWaitFor([&] { return !window.alertBadge()->isHidden(); }, 5000));
    EXPECT_EQ(window.alertBadge()->text(), "1 alert");
    EXPECT_TRUE(window.statusBar()->currentMessage().contains("test accuracy decay"));
    trainLane->on_alert(r);
    ASSERT_TRUE(QTest::qWaitFor([&] { return window.alertBadge()->text() == "2 alerts"; }, 5000));
    r.fired = false;
    r.message = "cleared: test accuracy decay (test/accuracy = 0.9 at step 120)";
    trainLane->on_alert(r);
    ASSERT_TRUE(QTest::qWaitFor([&] { return window.statusBar()->currentMessage().contains("cleared"); }, 5000));
    EXPECT_EQ(window.alertBadge()->text(), "2 alerts");  // cleared alerts are not counted
    EXPECT_TRUE(window.alertBadge()->toolTip().contains("cleared"));
    window.alertBadge()->click();
    EXPECT_EQ(window.currentView(), ui::MainWindow::ProfileView);
}

// ---------------------------------------------------------------- a real job

TEST(ProfilePage, RealTrainingJobStreamsCpuAndOperatorSeries) {
    SPARQ_REQUIRE_FASHION_MNIST();
    // Every operator recorded: a job this short could fall between the default windows.
    sparq::test::ScratchWorkbench scratch(sparq::test::fashion_mnist_dir(), 1.0);
    ui::Workbench& wb = scratch.wb;
    ui::MainWindow window(&wb);
    ASSERT_TRUE(sparq::test::showActive(window));
    QTest::keyClick(&window, Qt::Key_8, Qt::ControlModifier);
    ui::ProfilePage& page = *window.profilePage();

    engine::TrainSpec spec = engine::load_preset("mlp-fashion");
    engine::set_field(spec, "hidden", "64");
    spec.epochs = 2;
    spec.limit_train = 8192;
    spec.limit_test = 512;
    spec.threads = 1;
    ui::JobLane* lane = wb.start(spec);
    QSignalSpy finished(lane, &ui::JobLane::finished);
    // While it runs, the view follows it: CPU utilization and operator counters stream in.
    ASSERT_TRUE(QTest::qWaitFor(
        [&] {
            const QCPGraph* cpu = page.charts()->graph("cpu/util");
            return page.showsLive() && cpu && cpu->dataCount() >= 3 && !page.timeline().ops().empty();
        },
        120000))
        << "no cpu/util or ops/* samples reached the view";
    const bool stillRunning = finished.count() == 0;
    EXPECT_TRUE(page.statusLine()->text().contains("process, cores, memory, ops")) << page.statusLine()->text().toStdString();
    ASSERT_TRUE(QTest::qWaitFor([&] { return finished.count() > 0; }, 180000));
    const auto result = sparq::test::laneResult(*lane);
    ASSERT_EQ(result.status, engine::JobStatus::Completed) << result.error;
    EXPECT_EQ(page.shownRun(), result.run_id);
    EXPECT_TRUE(page.showsLive());
    page.drainFeed();
    EXPECT_GT(page.charts()->graph("cpu/util")->dataCount(), 3);
    ASSERT_NE(page.charts()->graph("train/loss"), nullptr);
    EXPECT_GT(page.charts()->graph("train/loss")->dataCount(), 10);
    // The whole run's operators: matrix products of a 784-64-10 MLP among them.
    ASSERT_TRUE(QTest::qWaitFor([&] { return page.opsModel()->rowCount() > 0; }, 5000));
    bool matmul = false;
    for (const auto& row : page.opsModel()->rows())
        matmul |= row.name.find("mm") != std::string::npos || row.name.find("linear") != std::string::npos;
    EXPECT_TRUE(matmul);
    EXPECT_TRUE(page.charts()->placeholderText(ProfileChart::GpuActivity).contains("No GPU") ||
                page.charts()->graph("gpu/busy"));
    // A range over the run's last three quarters holds part of its operator time (operators
    // are recorded in a window of each period and published at its end, the last time when
    // the job stops: a range short of the end may hold none of a job this short).
    const double end = page.timeline().lastTime();
    page.charts()->selectRange(end * 0.25, end);
    ASSERT_GT(page.opsModel()->rowCount(), 0);
    const double part = page.timeline().totalSelfMs(end * 0.25, end);
    EXPECT_GT(part, 0.0);
    EXPECT_LE(part, page.timeline().totalSelfMs(-1.0, end + 1.0));
    double listed = 0.0, shares = 0.0;
    for (const auto& row : page.opsModel()->rows()) {
        listed += row.selfMs;
        shares += row.share;
    }
    EXPECT_LE(listed, part + 1e-9);
    if (page.opsModel()->rowCount() < 50) {
        EXPECT_NEAR(listed, part, 1e-6 * part);
        EXPECT_NEAR(shares, 1.0, 1e-9);
    }
    std::cout << "[ profile ] run " << result.run_id << " streamed " << page.charts()->graph("cpu/util")->dataCount()
              << " cpu/util points and " << page.timeline().ops().size() << " operators; still running at first check: "
              << stillRunning << "\n";

    page.charts()->clearRange();
    sparq::test::saveScreenshot(window, "SPARQ_PROFILE_SCREENSHOT");

    // The same run again, from the history.
    const int loads = page.seriesLoads();
    ASSERT_TRUE(QTest::qWaitFor([&] { return page.selectRun(result.run_id); }, 10000));
    EXPECT_FALSE(page.showsLive());
    ASSERT_TRUE(QTest::qWaitFor([&] { return page.seriesLoads() > loads; }, 10000));
    ASSERT_NE(page.charts()->graph("cpu/util"), nullptr);
    EXPECT_GT(page.charts()->graph("cpu/util")->dataCount(), 3);
    EXPECT_GT(page.opsModel()->rowCount(), 0);
    EXPECT_TRUE(page.statusLine()->text().contains("process, cores, memory, ops"));
    // Back to the live job: its samples are drawn again from the feed.
    ASSERT_TRUE(page.showLive());
    page.drainFeed();
    ASSERT_NE(page.charts()->graph("cpu/util"), nullptr);
    EXPECT_GT(page.charts()->graph("cpu/util")->dataCount(), 3);
}

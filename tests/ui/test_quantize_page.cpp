// Quantize view: the FP32-vs-INT8 card and the per-layer error bars filled from a run's
// summary JSON, the page listing quantization runs (and trained checkpoints) of a history
// database, the live error chart fed through the bus, and (with Fashion-MNIST installed) a
// QAT job started from the page on a freshly trained checkpoint.
#include <gtest/gtest.h>

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <qcustomplot.h>

#include "charts/chartfeed.h"
#include "core/joblane.h"
#include "core/mainwindow.h"
#include "page_test_support.h"
#include "quantize/quantcomparisoncard.h"
#include "quantize/quanterrorchart.h"
#include "quantize/quanterrorlivechart.h"
#include "quantize/quantizepage.h"
#include "sparq/engine/quantize.h"
#include "sparq/engine/train.h"
#include "sparq/profiler/metric_bus.h"
#include "sparq/profiler/run_store.h"
#include "sparq/profiler/sample.h"
#include "core/workbench.h"

using namespace sparq;
using sparq::ui::QuantComparisonCard;
using sparq::ui::QuantErrorChart;
using sparq::test::textColor;
using sparq::test::toObject;

namespace {

engine::QuantizeResult quantizeResult(std::int64_t run, const std::string& mode) {
    engine::QuantizeResult r;
    r.run_id = run;
    r.status = "completed";
    r.mode = mode;
    r.observer = "minmax";
    r.arch = "mlp";
    r.preset = "mlp-fashion";
    r.fp32_accuracy = 0.88;
    r.int8_accuracy = 0.875;  // retention 0.99432: meets 0.987
    r.accuracy_retention = r.int8_accuracy / r.fp32_accuracy;
    r.ptq_int8_accuracy = 0.86;
    r.ptq_accuracy_retention = r.ptq_int8_accuracy / r.fp32_accuracy;
    r.fp32_latency_ms_b1 = 0.3;
    r.int8_latency_ms_b1 = 0.12;  // 2.5x: meets 2
    r.speedup_b1 = 2.5;
    r.fp32_latency_ms_b64 = 4.0;
    r.int8_latency_ms_b64 = 2.5;  // 1.6x: below 2
    r.speedup_b64 = 1.6;
    r.fp32_size_bytes = 2141184;
    r.int8_size_bytes = 549000;
    r.size_ratio = double(r.fp32_size_bytes) / double(r.int8_size_bytes);  // 3.9: meets 3.5
    r.layers = {{"fc0", "linear", 0.012}, {"fc1", "linear", 0.081}, {"fc2", "linear", 0.034}};
    r.max_layer_error = 0.081;
    r.alerts = 1;
    r.int8_model = "/tmp/runs/" + std::to_string(run) + "/model.sqint8";
    r.kernel = "avx2";
    r.wall_s = 12.5;
    return r;
}

// A finished quantization run in the history.
profiler::RunId addQuantizeRun(profiler::RunStore& store, const engine::QuantizeResult& proto, double alert,
                               const std::string& status = "completed") {
    engine::QuantizeSpec spec;
    spec.mode = proto.mode;
    spec.error_alert = alert;
    const profiler::RunId id =
        store.create_run({"mlp-fashion int8 " + proto.mode, "quantize", "mlp-fashion", engine::to_json(spec)});
    engine::QuantizeResult r = proto;
    r.run_id = id;
    r.status = status;
    r.int8_model = "/tmp/runs/" + std::to_string(id) + "/model.sqint8";
    store.finish_run(id, status, engine::to_json(r),
                     status == "completed" ? std::optional<double>(r.int8_accuracy) : std::nullopt);
    return id;
}

// Per-layer error samples of a run, as a QAT job publishes them: every 50 steps, 1.5 s apart.
void publishErrors(profiler::MetricBus& bus, std::uint32_t run, const std::vector<std::string>& layers, int points) {
    profiler::Producer out = bus.make_producer();
    const auto loss = bus.series().intern("qat/loss");
    const auto worst = bus.series().intern("quant/max_error");
    const std::int64_t t0 = profiler::now_ns();
    auto publish = [&](profiler::SeriesId series, int step, double value) {
        profiler::Sample s;
        s.run = run;
        s.series = series;
        s.step = step * 50;
        s.time_ns = t0 + std::int64_t(step) * 1500000000;
        s.value = value;
        out.publish(s);
    };
    for (int step = 1; step <= points; ++step) {
        for (std::size_t l = 0; l < layers.size(); ++l)
            publish(bus.series().intern("quant/" + layers[l] + "/error"), step,
                    0.02 * double(l + 1) + 0.04 / double(step));
        publish(worst, step, 1.0);
        publish(loss, step, 0.5);
    }
    bus.flush();
}

}  // namespace

TEST(QuantComparisonCard, FillsFromASummaryAndColoursTheRatiosThatMeetTheTargets) {
    EXPECT_TRUE(QuantComparisonCard::meetsTarget(QuantComparisonCard::Accuracy, 0.987));
    EXPECT_FALSE(QuantComparisonCard::meetsTarget(QuantComparisonCard::Accuracy, 0.9869));
    EXPECT_TRUE(QuantComparisonCard::meetsTarget(QuantComparisonCard::LatencyB64, 2.0));
    EXPECT_FALSE(QuantComparisonCard::meetsTarget(QuantComparisonCard::LatencyB1, 1.99));
    EXPECT_TRUE(QuantComparisonCard::meetsTarget(QuantComparisonCard::Size, 3.5));
    EXPECT_FALSE(QuantComparisonCard::meetsTarget(QuantComparisonCard::Size, 3.49));

    QuantComparisonCard card;
    EXPECT_FALSE(card.hasComparison());
    ASSERT_TRUE(card.setSummary(toObject(engine::to_json(quantizeResult(42, "ptq")))));
    EXPECT_TRUE(card.hasComparison());
    EXPECT_TRUE(card.headline()->text().contains("Run 42"));
    EXPECT_TRUE(card.headline()->text().contains("mlp-fashion"));

    EXPECT_EQ(card.cell(QuantComparisonCard::Accuracy, QuantComparisonCard::Fp32)->text(), "88.00 %");
    EXPECT_EQ(card.cell(QuantComparisonCard::Accuracy, QuantComparisonCard::Int8)->text(), "87.50 %");
    EXPECT_EQ(card.cell(QuantComparisonCard::Accuracy, QuantComparisonCard::Ratio)->text(), "retains 99.43 %");
    EXPECT_EQ(card.cell(QuantComparisonCard::LatencyB1, QuantComparisonCard::Fp32)->text(), "0.300 ms");
    EXPECT_EQ(card.cell(QuantComparisonCard::LatencyB1, QuantComparisonCard::Int8)->text(), "0.120 ms");
    EXPECT_EQ(card.cell(QuantComparisonCard::LatencyB1, QuantComparisonCard::Ratio)->text(), "2.50× faster");
    EXPECT_EQ(card.cell(QuantComparisonCard::LatencyB64, QuantComparisonCard::Fp32)->text(), "4.00 ms");
    EXPECT_EQ(card.cell(QuantComparisonCard::LatencyB64, QuantComparisonCard::Int8)->text(), "2.50 ms");
    EXPECT_EQ(card.cell(QuantComparisonCard::LatencyB64, QuantComparisonCard::Ratio)->text(), "1.60× faster");
    EXPECT_EQ(card.cell(QuantComparisonCard::Size, QuantComparisonCard::Fp32)->text(), QLocale().formattedDataSize(2141184));
    EXPECT_EQ(card.cell(QuantComparisonCard::Size, QuantComparisonCard::Int8)->text(), QLocale().formattedDataSize(549000));
    EXPECT_EQ(card.cell(QuantComparisonCard::Size, QuantComparisonCard::Ratio)->text(), "3.90× smaller");

    // Retention, batch-1 speed-up and size ratio meet their targets; batch 64 does not.
    const QColor green = QuantComparisonCard::targetMetColor();
    for (QuantComparisonCard::Row row : {QuantComparisonCard::Accuracy, QuantComparisonCard::LatencyB1, QuantComparisonCard::Size}) {
        EXPECT_TRUE(card.ratioMeetsTarget(row)) << row;
        EXPECT_EQ(textColor(card.cell(row, QuantComparisonCard::Ratio)), green) << row;
    }
    EXPECT_FALSE(card.ratioMeetsTarget(QuantComparisonCard::LatencyB64));
    EXPECT_NE(textColor(card.cell(QuantComparisonCard::LatencyB64, QuantComparisonCard::Ratio)), green);
    EXPECT_EQ(textColor(card.cell(QuantComparisonCard::LatencyB64, QuantComparisonCard::Ratio)), card.palette().color(QPalette::WindowText));
    // Values themselves are never coloured.
    EXPECT_NE(textColor(card.cell(QuantComparisonCard::Accuracy, QuantComparisonCard::Int8)), green);

    // PTQ: no PTQ column.
    EXPECT_FALSE(card.showsPtq());
    EXPECT_TRUE(card.cell(QuantComparisonCard::Accuracy, QuantComparisonCard::Ptq)->isHidden());

    // QAT: the PTQ accuracy of the same float model beside the QAT one; a retention below
    // the target turns neutral.
    engine::QuantizeResult qat = quantizeResult(43, "qat");
    qat.int8_accuracy = 0.865;
    qat.accuracy_retention = 0.865 / 0.88;  // 0.98295
    ASSERT_TRUE(card.setSummary(toObject(engine::to_json(qat))));
    EXPECT_TRUE(card.showsPtq());
    EXPECT_FALSE(card.cell(QuantComparisonCard::Accuracy, QuantComparisonCard::Ptq)->isHidden());
    EXPECT_EQ(card.cell(QuantComparisonCard::Accuracy, QuantComparisonCard::Int8)->text(), "86.50 %");
    EXPECT_EQ(card.cell(QuantComparisonCard::Accuracy, QuantComparisonCard::Ptq)->text(), "86.00 % (retains 97.73 %)");
    EXPECT_EQ(card.cell(QuantComparisonCard::Accuracy, QuantComparisonCard::Ratio)->text(), "retains 98.30 %");
    EXPECT_FALSE(card.ratioMeetsTarget(QuantComparisonCard::Accuracy));
    EXPECT_NE(textColor(card.cell(QuantComparisonCard::Accuracy, QuantComparisonCard::Ratio)), green);
    EXPECT_TRUE(card.ratioMeetsTarget(QuantComparisonCard::Size));

    // A cancelled run has nothing to compare: blanked, and said so.
    engine::QuantizeResult cancelled;
    cancelled.run_id = 44;
    cancelled.status = "cancelled";
    EXPECT_FALSE(card.setSummary(toObject(engine::to_json(cancelled))));
    EXPECT_FALSE(card.hasComparison());
    EXPECT_FALSE(card.showsPtq());
    EXPECT_TRUE(card.headline()->text().contains("cancelled"));
    EXPECT_EQ(card.cell(QuantComparisonCard::Accuracy, QuantComparisonCard::Int8)->text(), "—");
    EXPECT_FALSE(card.ratioMeetsTarget(QuantComparisonCard::Size));
    EXPECT_NE(textColor(card.cell(QuantComparisonCard::Size, QuantComparisonCard::Ratio)), green);
}

TEST(QuantErrorChart, OneBarPerLayerWithTheLayersAboveTheThresholdInTheWarningColour) {
    const QJsonObject summary = toObject(engine::to_json(quantizeResult(7, "qat")));
    const QVector<QuantErrorChart::Layer> layers =
        QuantErrorChart::layersFromJson(summary.value("layers").toArray());
    ASSERT_EQ(layers.size(), 3);
    EXPECT_EQ(layers[1].name, "fc1");
    EXPECT_EQ(layers[1].kind, "linear");
    EXPECT_DOUBLE_EQ(layers[1].error, 0.081);

    QuantErrorChart chart;
    chart.setLayers(layers, 0.05);
    EXPECT_EQ(chart.layerCount(), 3);
    EXPECT_EQ(chart.tickLabels(), QStringList({"fc0", "fc1", "fc2"}));
    EXPECT_FALSE(chart.isAboveThreshold(0));
    EXPECT_TRUE(chart.isAboveThreshold(1));
    EXPECT_FALSE(chart.isAboveThreshold(2));

    // Bars at keys 1..3: fc0 and fc2 in the normal colour, fc1 in the warning colour.
    ASSERT_EQ(chart.bars()->dataCount() + chart.warningBars()->dataCount(), 3);
    ASSERT_EQ(chart.bars()->dataCount(), 2);
    ASSERT_EQ(chart.warningBars()->dataCount(), 1);
    auto normal = chart.bars()->data()->constBegin();
    EXPECT_DOUBLE_EQ(normal->key, 1.0);
    EXPECT_DOUBLE_EQ(normal->value, 0.012);
    ++normal;
    EXPECT_DOUBLE_EQ(normal->key, 3.0);
    EXPECT_DOUBLE_EQ(normal->value, 0.034);
    const auto warn = chart.warningBars()->data()->constBegin();
    EXPECT_DOUBLE_EQ(warn->key, 2.0);
    EXPECT_DOUBLE_EQ(warn->value, 0.081);
    EXPECT_EQ(chart.bars()->brush().color(), QuantErrorChart::barColor());
    EXPECT_EQ(chart.warningBars()->brush().color(), QuantErrorChart::warningColor());

    // The threshold is a horizontal line at 0.05, inside the value range.
    EXPECT_TRUE(chart.thresholdLine()->visible());
    EXPECT_DOUBLE_EQ(chart.thresholdLine()->point1->coords().y(), 0.05);
    EXPECT_DOUBLE_EQ(chart.thresholdLine()->point2->coords().y(), 0.05);
    EXPECT_GE(chart.yAxis->range().upper, 0.081);

    // A stricter threshold moves fc2 over too; a looser one clears the warnings.
    chart.setLayers(layers, 0.02);
    EXPECT_EQ(chart.warningBars()->dataCount(), 2);
    EXPECT_EQ(chart.bars()->dataCount(), 1);
    chart.setLayers(layers, 0.1);
    EXPECT_EQ(chart.warningBars()->dataCount(), 0);
    EXPECT_EQ(chart.bars()->dataCount(), 3);

    chart.clear("nothing");
    EXPECT_EQ(chart.layerCount(), 0);
    EXPECT_EQ(chart.bars()->dataCount() + chart.warningBars()->dataCount(), 0);
    EXPECT_TRUE(chart.tickLabels().isEmpty());
}

TEST(ChartFeed, PatternFeedAddsASlotPerMatchingSeries) {
    profiler::MetricBus bus;
    const auto owned = ui::ChartFeed::matching(bus, {"quant/", "/error"});
    ui::ChartFeed& feed = *owned;
    EXPECT_TRUE(feed.series_names().empty());
    publishErrors(bus, 3, {"fc0", "fc1"}, 4);
    ui::ChartFeed::Update u = feed.take();
    EXPECT_EQ(u.run, 3);
    ASSERT_EQ(u.added, (std::vector<std::string>{"quant/fc0/error", "quant/fc1/error"}));  // not quant/max_error
    ASSERT_EQ(u.series.size(), 2u);
    EXPECT_EQ(u.series[0].points.size(), 4u);
    EXPECT_DOUBLE_EQ(u.series[1].points.back().y, 0.04 + 0.01);
    EXPECT_TRUE(feed.take().empty());

    // A newer run with other layers: new slots come at the end, the old ones are reset.
    publishErrors(bus, 4, {"conv0"}, 2);
    u = feed.take();
    EXPECT_EQ(u.run, 4);
    ASSERT_EQ(u.added, std::vector<std::string>{"quant/conv0/error"});
    ASSERT_EQ(u.series.size(), 3u);
    EXPECT_TRUE(u.series[0].reset);
    EXPECT_TRUE(u.series[0].points.empty());
    EXPECT_EQ(u.series[2].points.size(), 2u);
    EXPECT_EQ(feed.series_names().size(), 3u);
}

TEST(QuantizePage, ListsQuantizationRunsAndFillsTheCardFromTheChosenOne) {
    QTemporaryDir tmp;
    ASSERT_TRUE(tmp.isValid());
    ui::Workbench wb({tmp.filePath("history.db").toStdString(), "", tmp.filePath("runs").toStdString()});
    profiler::RunStore& store = wb.store();

    // A trained run with a checkpoint (a source), one still running (not a source yet), and
    // one without a checkpoint.
    const profiler::RunId trained = store.create_run({"mlp small", "train", "mlp-fashion", "{}"});
    store.add_artifact(trained, "checkpoint", "/tmp/runs/1/checkpoint.pt", 1000);
    store.finish_run(trained, "completed", "{}", 0.85);
    const profiler::RunId busy = store.create_run({"mlp busy", "train", "mlp-fashion", "{}"});
    store.add_artifact(busy, "checkpoint", "/tmp/runs/2/checkpoint.pt", 1000);
    const profiler::RunId bare = store.create_run({"mlp bare", "train", "mlp-fashion", "{}"});
    store.finish_run(bare, "failed", "{}", std::nullopt);

    const profiler::RunId qat = addQuantizeRun(store, quantizeResult(0, "qat"), 0.05);
    const profiler::RunId ptq = addQuantizeRun(store, quantizeResult(0, "ptq"), 0.02);
    const profiler::RunId cancelled = addQuantizeRun(store, quantizeResult(0, "qat"), 0.05, "cancelled");
    store.flush();

    ui::QuantizePage page(&wb);
    QSignalSpy refreshed(&page, &ui::QuantizePage::runsRefreshed);
    ASSERT_TRUE(QTest::qWaitFor([&] { return page.runLoads() > 0; }, 10000));

    // Quantization runs, newest first; the newest is on show.
    QComboBox* runs = page.runCombo();
    ASSERT_EQ(runs->count(), 3);
    EXPECT_EQ(runs->itemData(0).toLongLong(), cancelled);
    EXPECT_EQ(runs->itemData(1).toLongLong(), ptq);
    EXPECT_EQ(runs->itemData(2).toLongLong(), qat);
    EXPECT_TRUE(runs->itemText(1).startsWith(QString("Run %1").arg(ptq))) << runs->itemText(1).toStdString();
    EXPECT_TRUE(runs->itemText(1).contains("87.5")) << runs->itemText(1).toStdString();
    EXPECT_TRUE(runs->itemText(0).contains("cancelled"));
    EXPECT_EQ(page.shownRun(), cancelled);
    EXPECT_FALSE(page.card()->hasComparison());
    EXPECT_EQ(page.errorChart()->layerCount(), 0);

    // Choosing the QAT run fills the card (PTQ beside QAT) and the bars at its threshold.
    runs->setCurrentIndex(2);
    EXPECT_EQ(page.shownRun(), qat);
    ASSERT_TRUE(page.card()->hasComparison());
    EXPECT_TRUE(page.card()->showsPtq());
    EXPECT_TRUE(page.card()->headline()->text().contains(QString("Run %1").arg(qat)));
    EXPECT_EQ(page.card()->cell(QuantComparisonCard::Accuracy, QuantComparisonCard::Int8)->text(), "87.50 %");
    EXPECT_EQ(page.card()->cell(QuantComparisonCard::LatencyB1, QuantComparisonCard::Ratio)->text(), "2.50× faster");
    EXPECT_TRUE(page.card()->ratioMeetsTarget(QuantComparisonCard::Accuracy));
    EXPECT_EQ(page.errorChart()->layerCount(), 3);
    EXPECT_DOUBLE_EQ(page.errorChart()->threshold(), 0.05);
    EXPECT_EQ(page.errorChart()->warningBars()->dataCount(), 1);

    // The PTQ run was quantized with a 0.02 alert threshold: two layers above it.
    ASSERT_TRUE(page.selectRun(ptq));
    EXPECT_EQ(runs->currentIndex(), 1);
    EXPECT_FALSE(page.card()->showsPtq());
    EXPECT_DOUBLE_EQ(page.errorChart()->threshold(), 0.02);
    EXPECT_EQ(page.errorChart()->warningBars()->dataCount(), 2);
    EXPECT_EQ(page.errorChart()->bars()->dataCount(), 1);
    EXPECT_FALSE(page.selectRun(trained));  // not a quantization run

    // A refresh keeps the run on show.
    const int loads = page.runLoads();
    page.refreshRuns();
    ASSERT_TRUE(QTest::qWaitFor([&] { return page.runLoads() > loads; }, 10000));
    EXPECT_EQ(page.shownRun(), ptq);
    EXPECT_EQ(runs->currentIndex(), 1);

    // Sources: the finished trained run with a checkpoint only.
    QComboBox* sources = page.trainedRunCombo();
    ASSERT_EQ(sources->count(), 1);
    EXPECT_EQ(sources->itemData(0).toLongLong(), trained);
    EXPECT_TRUE(sources->itemText(0).contains("mlp small"));

    // The form's spec: a preset (trained first), or the trained run's checkpoint.
    ASSERT_TRUE(page.selectPreset("mlp-fashion"));
    engine::QuantizeSpec spec = page.spec();
    EXPECT_EQ(spec.preset, "mlp-fashion");
    EXPECT_TRUE(spec.checkpoint.empty());
    EXPECT_EQ(spec.mode, "ptq");
    EXPECT_DOUBLE_EQ(spec.error_alert, 0.05);
    EXPECT_FALSE(page.qatEpochsSpin()->isEnabled());  // PTQ has no QAT epochs

    ASSERT_TRUE(page.selectTrainedRun(trained));
    page.modeCombo()->setCurrentIndex(page.modeCombo()->findData("qat"));
    page.observerCombo()->setCurrentText("percentile");
    page.qatEpochsSpin()->setValue(3);
    page.thresholdSpin()->setValue(0.03);
    EXPECT_TRUE(page.qatEpochsSpin()->isEnabled());
    spec = page.spec();
    EXPECT_EQ(spec.checkpoint, "/tmp/runs/1/checkpoint.pt");
    EXPECT_EQ(spec.preset, "mlp-fashion");
    EXPECT_EQ(spec.mode, "qat");
    EXPECT_EQ(spec.observer, "percentile");
    EXPECT_EQ(spec.qat_epochs, 3);
    EXPECT_DOUBLE_EQ(spec.error_alert, 0.03);
    EXPECT_NO_THROW(engine::validate(spec));
    EXPECT_TRUE(page.startButton()->isEnabled());
    EXPECT_FALSE(page.stopButton()->isEnabled());
    (void)busy;
    (void)bare;
}

TEST(QuantizePage, ChartsEachLayersErrorLiveAgainstTheThreshold) {
    QTemporaryDir tmp;
    ASSERT_TRUE(tmp.isValid());
    ui::Workbench wb({tmp.filePath("history.db").toStdString(), "", tmp.filePath("runs").toStdString()});
    ui::QuantizePage page(&wb);
    EXPECT_DOUBLE_EQ(page.liveChart()->thresholdLine()->point1->coords().y(), 0.05);
    EXPECT_DOUBLE_EQ(page.liveChart()->thresholdLine()->point2->coords().y(), 0.05);
    EXPECT_EQ(page.liveChart()->layerGraph("fc0"), nullptr);

    publishErrors(wb.bus(), 9, {"fc0", "fc1", "fc2"}, 5);
    ASSERT_TRUE(QTest::qWaitFor([&] { return page.liveChart()->layerGraph("fc2") != nullptr; }, 5000));
    EXPECT_EQ(page.liveChart()->graphCount(), 3);  // no graph for quant/max_error or qat/loss
    for (const char* layer : {"fc0", "fc1", "fc2"}) {
        QCPGraph* g = page.liveChart()->layerGraph(layer);
        ASSERT_NE(g, nullptr) << layer;
        EXPECT_EQ(g->dataCount(), 5) << layer;
        EXPECT_TRUE(g->visible());
        EXPECT_EQ(g->name(), layer);
    }
    EXPECT_DOUBLE_EQ((page.liveChart()->layerGraph("fc1")->data()->constEnd() - 1)->value, 0.04 + 0.008);
    EXPECT_GE(page.liveChart()->yAxis->range().upper, 0.06 + 0.008);

    // The next job (a CNN) replaces the lines; the MLP's layers are no longer drawn.
    publishErrors(wb.bus(), 10, {"conv0", "fc"}, 2);
    ASSERT_TRUE(QTest::qWaitFor([&] { return page.liveChart()->layerGraph("conv0") != nullptr; }, 5000));
    QTest::qWait(100);
    EXPECT_EQ(page.liveChart()->layerGraph("conv0")->dataCount(), 2);
    EXPECT_EQ(page.liveChart()->layerGraph("fc0")->dataCount(), 0);
    EXPECT_FALSE(page.liveChart()->layerGraph("fc0")->visible());
}

TEST(QuantizePage, QuantizeViewInTheMainWindow) {
    QTemporaryDir tmp;
    ASSERT_TRUE(tmp.isValid());
    ui::Workbench wb({tmp.filePath("history.db").toStdString(), "", tmp.filePath("runs").toStdString()});
    const profiler::RunId run = addQuantizeRun(wb.store(), quantizeResult(0, "qat"), 0.05);
    wb.store().flush();

    ui::MainWindow window(&wb);
    window.resize(1400, 980);
    window.show();
    window.activateWindow();
    ASSERT_TRUE(QTest::qWaitForWindowActive(&window));
    QTest::keyClick(&window, Qt::Key_5, Qt::ControlModifier);
    EXPECT_EQ(window.currentView(), ui::MainWindow::QuantizeView);
    ui::QuantizePage* page = window.quantizePage();
    ASSERT_NE(page, nullptr);
    EXPECT_TRUE(page->isVisible());
    ASSERT_TRUE(QTest::qWaitFor([&] { return page->shownRun() == run; }, 10000));
    EXPECT_TRUE(page->card()->hasComparison());
    EXPECT_EQ(page->errorChart()->layerCount(), 3);

    // What a QAT job streams, so that the picture has live lines too.
    publishErrors(wb.bus(), std::uint32_t(run), {"fc0", "fc1", "fc2"}, 8);
    ASSERT_TRUE(QTest::qWaitFor([&] { return page->liveChart()->layerGraph("fc2") != nullptr; }, 5000));

    // An engine warning lands in the page's log and the status bar.
    const auto lane = sparq::test::announceLane<engine::QuantizeSpec>(wb);
    lane->on_log("warning", "quantization error of fc1 is 0.081 in the final INT8 model, above the alert threshold 0.05");
    ASSERT_TRUE(QTest::qWaitFor([&] { return page->logList()->count() == 1; }, 5000));
    EXPECT_TRUE(window.statusBar()->currentMessage().contains("fc1")) << window.statusBar()->currentMessage().toStdString();

    sparq::test::saveScreenshot(window, "SPARQ_QUANTIZE_SCREENSHOT");
}

TEST(QuantizePage, QatJobFromTheFormStreamsErrorsAndFillsTheCard) {
    SPARQ_REQUIRE_FASHION_MNIST();
    QTemporaryDir tmp;
    ASSERT_TRUE(tmp.isValid());
    ui::Workbench wb(
        {tmp.filePath("history.db").toStdString(), sparq::test::fashion_mnist_dir(), tmp.filePath("runs").toStdString()});
    ui::QuantizePage page(&wb);

    // A small float model to quantize.
    const engine::TrainResult floatRun = sparq::test::trainSmallMlp(wb);
    ASSERT_EQ(floatRun.status, engine::JobStatus::Completed) << floatRun.error;
    // The finished run becomes a source.
    ASSERT_TRUE(QTest::qWaitFor([&] { return page.selectTrainedRun(floatRun.run_id); }, 15000));

    page.modeCombo()->setCurrentIndex(page.modeCombo()->findData("qat"));
    page.thresholdSpin()->setValue(0.001);  // low enough that every layer raises an alert
    QSignalSpy alerts(&page, &ui::QuantizePage::alertRaised);
    QSignalSpy finished(&wb, &ui::Workbench::laneFinished);
    ASSERT_TRUE(page.startButton()->isEnabled());
    page.startButton()->click();
    ASSERT_TRUE(wb.isRunning(ui::Workbench::JobKind::Quantize));
    EXPECT_TRUE(page.stopButton()->isEnabled());
    EXPECT_FALSE(page.startButton()->isEnabled());
    ASSERT_TRUE(QTest::qWaitFor([&] { return finished.count() > 0; }, 300000)) << "the job did not end";
    const ui::JobLane* lane = wb.lane(ui::Workbench::JobKind::Quantize);
    const engine::JobEnd end = lane->end();
    ASSERT_EQ(end.status, engine::JobStatus::Completed) << end.error;
    ASSERT_NE(lane->result<engine::QuantizeResult>(), nullptr);
    const engine::QuantizeResult result = *lane->result<engine::QuantizeResult>();
    EXPECT_FALSE(wb.isRunning());

    // Live: one line per layer, the QAT measurements and last the final model's error.
    ASSERT_FALSE(result.layers.empty());
    for (const auto& layer : result.layers) {
        const QString name = QString::fromStdString(layer.name);
        EXPECT_TRUE(QTest::qWaitFor(
            [&] {
                QCPGraph* g = page.liveChart()->layerGraph(name);
                return g && !g->data()->isEmpty() && (g->data()->constEnd() - 1)->value == layer.error;
            },
            5000))
            << layer.name;
        ASSERT_NE(page.liveChart()->layerGraph(name), nullptr);
        EXPECT_GE(page.liveChart()->layerGraph(name)->dataCount(), 2) << layer.name;
    }
    EXPECT_DOUBLE_EQ(page.liveChart()->thresholdLine()->point1->coords().y(), 0.001);
    EXPECT_GE(alerts.count(), 1);

    // The card and the bars show the result, and the history lists the run, selected.
    EXPECT_EQ(page.shownRun(), result.run_id);
    ASSERT_TRUE(page.card()->hasComparison());
    EXPECT_TRUE(page.card()->showsPtq());
    EXPECT_EQ(page.errorChart()->layerCount(), int(result.layers.size()));
    EXPECT_EQ(page.errorChart()->warningBars()->dataCount(), int(result.layers.size()));
    ASSERT_TRUE(QTest::qWaitFor(
        [&] { return page.runCombo()->currentData().toLongLong() == result.run_id; }, 15000));
    EXPECT_TRUE(page.card()->hasComparison());
    EXPECT_EQ(page.card()->cell(QuantComparisonCard::Accuracy, QuantComparisonCard::Int8)->text(),
              QString("%1 %").arg(result.int8_accuracy * 100.0, 0, 'f', 2));
    EXPECT_TRUE(page.startButton()->isEnabled());
}

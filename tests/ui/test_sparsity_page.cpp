// Sparsity page: the latest-value feed behind the heat map, then (offscreen) a short gated
// job filling the activation-rate chart and the load heat map, an alert reaching the alert
// list, and the tuner re-evaluating the trained model at another active fraction.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>
#include <vector>

#include <QComboBox>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QListWidget>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <qcustomplot.h>

#include "sparsity/activefractiontuner.h"
#include "sparsity/blockloadheatmap.h"
#include "common/test_data.h"
#include "page_test_support.h"
#include "core/joblane.h"
#include "charts/latestvaluefeed.h"
#include "core/mainwindow.h"
#include "sparq/engine/engine.h"
#include "sparq/engine/train.h"
#include "sparq/profiler/metric_bus.h"
#include "sparsity/sparsitypage.h"
#include "core/workbench.h"

using namespace sparq;
using sparq::profiler::MetricBus;
using sparq::profiler::Sample;
using sparq::profiler::SeriesId;
using sparq::ui::LatestValueFeed;

namespace {

Sample rateSample(std::uint32_t run, SeriesId series, std::int64_t step, double value) {
    Sample s;
    s.run = run;
    s.series = series;
    s.step = step;
    s.time_ns = 1000 + step;
    s.value = value;
    return s;
}

engine::TrainSpec gatedSpec() {
    engine::TrainSpec spec = engine::load_preset("gated-mlp-fashion");
    engine::set_field(spec, "hidden", "64,64");
    spec.blocks = 8;
    spec.groups = 2;
    spec.epochs = 1;
    spec.limit_train = 1024;
    spec.limit_test = 500;
    spec.threads = 1;
    spec.data_dir = sparq::test::fashion_mnist_dir();
    return spec;
}

}  // namespace

TEST(LatestValueFeed, KeepsTheNewestValuePerSeriesFromAnotherThread) {
    MetricBus bus;
    LatestValueFeed feed(bus, {"sparsity/gated0/load/b0", "sparsity/gated0/load/b1", "never/sent"});
    const SeriesId b0 = bus.series().intern("sparsity/gated0/load/b0");
    const SeriesId b1 = bus.series().intern("sparsity/gated0/load/b1");
    const SeriesId other = bus.series().intern("train/loss");
    feed.set_run(5);

    constexpr int kSteps = 20000;
    std::atomic<bool> done{false};
    std::thread producer([&] {
        std::vector<Sample> batch;
        for (int i = 1; i <= kSteps; ++i) {
            batch.push_back(rateSample(5, b0, i, double(i)));
            if (i % 2 == 0) batch.push_back(rateSample(5, b1, i, -double(i)));
            batch.push_back(rateSample(5, other, i, 99.0));  // not watched
            batch.push_back(rateSample(4, b0, i, 1e9));      // an older run: ignored
            if (batch.size() >= 128) {
                feed.on_samples(batch.data(), batch.size());
                batch.clear();
            }
        }
        feed.on_samples(batch.data(), batch.size());
        done = true;
    });

    // Poll as the UI timer does: values only ever move forward and versions only grow.
    std::uint64_t lastVersion = 0;
    double lastB0 = 0.0;
    int polls = 0;
    while (!done) {
        const LatestValueFeed::Snapshot snap = feed.snapshot();
        ASSERT_EQ(snap.values.size(), 3u);
        EXPECT_GE(snap.version, lastVersion);
        lastVersion = snap.version;
        if (snap.values[0]) {
            EXPECT_GE(*snap.values[0], lastB0);
            EXPECT_LE(*snap.values[0], double(kSteps));
            lastB0 = *snap.values[0];
        }
        ++polls;
        std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    producer.join();
    EXPECT_GT(polls, 0);

    LatestValueFeed::Snapshot snap = feed.snapshot();
    EXPECT_EQ(snap.run, 5);
    EXPECT_GT(snap.version, lastVersion == 0 ? 0u : lastVersion - 1);
    ASSERT_TRUE(snap.values[0].has_value());
    ASSERT_TRUE(snap.values[1].has_value());
    EXPECT_EQ(*snap.values[0], double(kSteps));
    EXPECT_EQ(*snap.values[1], -double(kSteps));
    EXPECT_FALSE(snap.values[2].has_value());
    const std::uint64_t settled = feed.version();
    EXPECT_EQ(feed.snapshot().version, settled);  // nothing new: the version stays

    // A newer run's sample switches the feed and forgets the old run's values.
    std::vector<Sample> next{rateSample(6, b1, 1, 0.5), rateSample(5, b0, 1, 7.0)};
    feed.on_samples(next.data(), next.size());
    snap = feed.snapshot();
    EXPECT_EQ(snap.run, 6);
    EXPECT_GT(snap.version, settled);
    EXPECT_FALSE(snap.values[0].has_value());
    ASSERT_TRUE(snap.values[1].has_value());
    EXPECT_EQ(*snap.values[1], 0.5);

    // Watching other series forgets everything and follows the new names.
    feed.watch({"sparsity/gated0/load/b1"});
    snap = feed.snapshot();
    ASSERT_EQ(snap.values.size(), 1u);
    EXPECT_FALSE(snap.values[0].has_value());
    next = {rateSample(6, b0, 2, 3.0), rateSample(6, b1, 2, 0.25)};
    feed.on_samples(next.data(), next.size());
    snap = feed.snapshot();
    ASSERT_TRUE(snap.values[0].has_value());
    EXPECT_EQ(*snap.values[0], 0.25);
}

TEST(LatestValueFeed, ReceivesSamplesThroughTheBus) {
    MetricBus bus;
    LatestValueFeed feed(bus, {"a/load", "b/load"});
    const SeriesId a = bus.series().intern("a/load");
    const SeriesId b = bus.series().intern("b/load");
    std::thread producer([&] {
        auto p = bus.make_producer();
        for (int i = 0; i < 1000; ++i) p.publish(3, a, i, double(i));
        p.publish(3, b, 0, 0.125);
    });
    producer.join();
    bus.flush();
    const auto snap = feed.snapshot();
    EXPECT_EQ(snap.run, 3);
    ASSERT_TRUE(snap.values[0] && snap.values[1]);
    EXPECT_EQ(*snap.values[0], 999.0);
    EXPECT_EQ(*snap.values[1], 0.125);
}

TEST(SparsityPage, TunerShowsUserErrorsInsteadOfCrashing) {
    QTemporaryDir tmp;
    ASSERT_TRUE(tmp.isValid());
    ui::Workbench wb({tmp.filePath("history.db").toStdString(), sparq::test::fashion_mnist_dir(), tmp.filePath("runs").toStdString()});
    ui::SparsityPage page(&wb);
    ui::ActiveFractionTuner* tuner = page.tuner();
    QSignalSpy evaluated(tuner, &ui::ActiveFractionTuner::evaluated);

    // No run yet: said at once, nothing started.
    tuner->evaluate();
    EXPECT_EQ(evaluated.count(), 1);
    EXPECT_TRUE(tuner->errorText().contains("No run yet")) << tuner->errorText().toStdString();
    auto* label = page.findChild<QLabel*>("tuneError");
    ASSERT_NE(label, nullptr);
    EXPECT_TRUE(label->styleSheet().contains("#c02020"));

    // A checkpoint file that is not there.
    tuner->addCheckpointFile(tmp.filePath("missing.pt"));
    tuner->evaluate();
    ASSERT_TRUE(QTest::qWaitFor([&] { return evaluated.count() == 2; }, 30000));
    EXPECT_TRUE(tuner->errorText().contains("missing.pt")) << tuner->errorText().toStdString();
    EXPECT_TRUE(tuner->points().empty());

    // A file that is not a checkpoint.
    QFile junk(tmp.filePath("junk.pt"));
    ASSERT_TRUE(junk.open(QIODevice::WriteOnly));
    junk.write("not a checkpoint");
    junk.close();
    tuner->addCheckpointFile(junk.fileName());
    tuner->evaluate();
    ASSERT_TRUE(QTest::qWaitFor([&] { return evaluated.count() == 3; }, 30000));
    EXPECT_TRUE(tuner->errorText().contains("junk.pt")) << tuner->errorText().toStdString();

    SPARQ_REQUIRE_FASHION_MNIST();
    // A dense model's checkpoint cannot be tuned: the engine's message is shown.
    engine::TrainSpec dense = engine::load_preset("mlp-fashion");
    engine::set_field(dense, "hidden", "32");
    dense.epochs = 1;
    dense.limit_train = 256;
    dense.limit_test = 128;
    dense.threads = 1;
    ui::JobLane* lane = wb.start(dense);
    QSignalSpy finished(lane, &ui::JobLane::finished);
    ASSERT_TRUE(QTest::qWaitFor([&] { return finished.count() > 0; }, 120000));
    const auto result = sparq::test::laneResult(*lane);
    ASSERT_EQ(result.status, engine::JobStatus::Completed) << result.error;
    tuner->chooser()->setCurrentIndex(0);  // the last run
    tuner->evaluate();
    ASSERT_TRUE(QTest::qWaitFor([&] { return evaluated.count() == 4; }, 60000));
    EXPECT_TRUE(tuner->errorText().contains("gated")) << tuner->errorText().toStdString();
    EXPECT_TRUE(tuner->points().empty());
}

TEST(SparsityPage, GatedJobFillsTheChartsAndTheTunerEvaluatesIt) {
    SPARQ_REQUIRE_FASHION_MNIST();

    QTemporaryDir tmp;
    ASSERT_TRUE(tmp.isValid());
    ui::Workbench wb({tmp.filePath("history.db").toStdString(), sparq::test::fashion_mnist_dir(), tmp.filePath("runs").toStdString()});
    ui::MainWindow window(&wb);
    window.show();
    window.activateWindow();
    ASSERT_TRUE(QTest::qWaitForWindowActive(&window));
    QTest::keyClick(&window, Qt::Key_4, Qt::ControlModifier);
    EXPECT_EQ(window.currentView(), ui::MainWindow::SparsityView);

    ui::SparsityPage* page = window.sparsityPage();
    ASSERT_NE(page, nullptr);
    const engine::TrainSpec spec = gatedSpec();
    ui::JobLane* lane = wb.start(spec);
    QSignalSpy finished(lane, &ui::JobLane::finished);
    ASSERT_TRUE(QTest::qWaitFor([&] { return finished.count() > 0; }, 120000)) << "the job did not end";
    const auto result = sparq::test::laneResult(*lane);
    ASSERT_EQ(result.status, engine::JobStatus::Completed) << result.error;
    ASSERT_FALSE(result.checkpoint.empty());

    // Activation rates: both gated layers and the active share of parameters, on a fixed
    // [0, 1] scale; series that got no data (gated layers 2 and 3) are not drawn.
    QCPGraph* layer0 = page->activationGraph(engine::series::gated_series(0, "active_fraction"));
    QCPGraph* layer1 = page->activationGraph(engine::series::gated_series(1, "active_fraction"));
    QCPGraph* layer3 = page->activationGraph(engine::series::gated_series(3, "active_fraction"));
    QCPGraph* params = page->activationGraph(engine::series::kActiveParamFraction);
    ASSERT_TRUE(layer0 && layer1 && layer3 && params);
    EXPECT_TRUE(QTest::qWaitFor([&] { return layer0->dataCount() > 0 && params->dataCount() > 0; }, 5000));
    EXPECT_GT(layer1->dataCount(), 0);
    EXPECT_TRUE(layer0->visible());
    EXPECT_FALSE(layer3->visible());
    EXPECT_EQ(layer3->dataCount(), 0);
    for (auto it = layer0->data()->constBegin(); it != layer0->data()->constEnd(); ++it) {
        EXPECT_GE(it->value, 0.0);
        EXPECT_LE(it->value, 1.0);
    }

    // Heat map: 2 gated layers x 8 blocks, every cell a share of the test inputs; each
    // input keeps active_fraction * blocks blocks, so a layer's shares add up to that.
    ui::BlockLoadHeatMap* heat = page->heatMap();
    EXPECT_EQ(heat->layers(), 2);
    EXPECT_EQ(heat->blocks(), 8);
    ASSERT_TRUE(QTest::qWaitFor([&] { return heat->valueCount() == 16; }, 5000)) << heat->valueCount();
    for (int l = 0; l < 2; ++l) {
        double sum = 0.0;
        for (int e = 0; e < 8; ++e) {
            const auto v = heat->load(l, e);
            ASSERT_TRUE(v.has_value());
            EXPECT_GE(*v, 0.0);
            EXPECT_LE(*v, 1.0);
            sum += *v;
        }
        EXPECT_NEAR(sum, spec.active_fraction * spec.blocks, 0.05) << "layer " << l;
    }

    // An alert from the engine's thread lands in the list and flashes in the status bar.
    const std::string alert = "gated layer 1: observed active fraction 0.500 left the band 0.250 +- 0.050";
    std::thread([&] { lane->on_log("warning", alert); }).join();
    lane->on_log("info", "not an alert");
    ASSERT_TRUE(QTest::qWaitFor([&] { return page->alertList()->count() == 1; }, 5000));
    EXPECT_TRUE(page->alertList()->item(0)->text().contains(QString::fromStdString(alert)));
    EXPECT_TRUE(page->alertList()->item(0)->text().contains(QString("run %1").arg(result.run_id)));
    EXPECT_TRUE(window.statusBar()->currentMessage().contains("left the band"))
        << window.statusBar()->currentMessage().toStdString();
    QTest::qWait(100);
    EXPECT_EQ(page->alertList()->count(), 1);

    // Tune the trained model: 0.5 plus the default sweep on first use.
    ui::ActiveFractionTuner* tuner = page->tuner();
    QSignalSpy evaluated(tuner, &ui::ActiveFractionTuner::evaluated);
    EXPECT_EQ(tuner->chooser()->currentIndex(), 0);  // the last run by default
    tuner->setFraction(0.5);
    tuner->evaluate();
    EXPECT_TRUE(tuner->isEvaluating());
    ASSERT_TRUE(QTest::qWaitFor([&] { return evaluated.count() > 0; }, 120000)) << "no sweep result";
    ASSERT_TRUE(tuner->errorText().isEmpty()) << tuner->errorText().toStdString();
    const std::size_t swept = ui::ActiveFractionTuner::defaultSweep().size();
    EXPECT_EQ(tuner->points().size(), swept);  // 0.5 is one of the defaults
    EXPECT_EQ(tuner->accuracyGraph()->dataCount(), int(swept));
    EXPECT_EQ(tuner->latencyGraph(1)->dataCount(), int(swept));
    EXPECT_EQ(tuner->latencyGraph(64)->dataCount(), int(swept));
    const auto half = tuner->points().find(0.5);
    ASSERT_NE(half, tuner->points().end());
    EXPECT_GT(half->second.test_accuracy, 0.15);  // above chance (0.1) after one short epoch
    EXPECT_GT(half->second.latency_ms_b1, 0.0);
    EXPECT_GT(half->second.latency_ms_b64, half->second.latency_ms_b1);
    bool found = false;
    const auto keys = tuner->accuracyGraph()->getKeyRange(found);
    ASSERT_TRUE(found);
    EXPECT_DOUBLE_EQ(keys.lower, 0.125);
    EXPECT_DOUBLE_EQ(keys.upper, 1.0);

    // A newer request supersedes an older one still running: only its result is shown,
    // and points keep accumulating for the same model.
    const int before = evaluated.count();
    tuner->setFraction(0.3);
    tuner->evaluate();
    tuner->setFraction(0.6);
    tuner->evaluate();
    ASSERT_TRUE(QTest::qWaitFor([&] { return evaluated.count() > before; }, 120000));
    QTest::qWait(500);
    EXPECT_EQ(evaluated.count(), before + 1);
    ASSERT_TRUE(tuner->errorText().isEmpty()) << tuner->errorText().toStdString();
    EXPECT_EQ(tuner->points().count(0.6), 1u);
    EXPECT_EQ(tuner->points().count(0.3), 0u);
    EXPECT_EQ(tuner->points().size(), swept + 1);
    EXPECT_EQ(tuner->accuracyGraph()->dataCount(), int(swept + 1));

    // The finished run is offered from the history as well.
    const QString runLabel = QString("Run %1").arg(result.run_id);
    EXPECT_TRUE(QTest::qWaitFor([&] { return tuner->chooser()->findText(runLabel, Qt::MatchStartsWith) >= 0; },
                                15000));
}

// Serving view: the results model (settings text, frontier of p95 latency against throughput,
// QAbstractItemModelTester), the form's fields against the engine's spec and its inline errors,
// and, on a tiny tiny-lm (trained in a few steps into a scratch cache), a benchmark run from the
// page: its results row equals the engine's ServeResult and the history's record, the live charts
// get the bus's series while it runs, a compare run adds a row per policy with the Pareto
// frontier marked, rows accumulate over runs, a failing benchmark says why, and the view sits in
// the main window at Ctrl+9.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileInfo>
#include <QFont>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <qcustomplot.h>

#include "common/errorlabel.h"
#include "core/joblane.h"
#include "common/jobprogressbar.h"
#include "core/mainwindow.h"
#include "page_test_support.h"
#include "charts/paretoplot.h"
#include "serving/servingcharts.h"
#include "serving/servingform.h"
#include "serving/servingpage.h"
#include "serving/servingresultsmodel.h"
#include "sparq/engine/errors.h"
#include "sparq/engine/serving.h"
#include "sparq/profiler/run_store.h"
#include "core/workbench.h"

using namespace sparq;
using sparq::ui::ServingCharts;
using Model = sparq::ui::ServingResultsModel;

namespace {

constexpr int kRunTimeoutMs = 60000;


// A model of a few thousand parameters trained for five steps, cached in `cacheDir`, serving a
// dozen short requests from four closed-loop clients, batches of at most four.
engine::ServeBenchSpec tinySpec(const QString& cacheDir) {
    engine::ServeBenchSpec s;
    s.model.d_model = 32;
    s.model.layers = 1;
    s.model.heads = 2;
    s.model.ff = 64;
    s.model.context = 32;
    s.model.train_steps = 5;
    s.model.batch = 4;
    s.cache_dir = cacheDir.toStdString();
    s.workload.requests = 12;
    s.workload.concurrency = 4;
    s.workload.seed = 3;
    s.workload.prompt = {"lognormal", 12, 0.5, 4, 24};
    s.workload.output = {"lognormal", 8, 0.5, 2, 16};
    s.batching.policy = "kmeans";
    s.batching.max_batch = 4;
    s.batching.preferred_batch_sizes = {2, 4};
    s.batching.max_queue_delay_us = 2000;
    s.batching.bucket_edges = {4, 8};
    s.batching.clusters = 2;
    return s;
}

ui::ServingRow row(const std::string& policy, double p95, double rps) {
    ui::ServingRow r;
    r.settings = QString::fromStdString(policy);
    r.result.policy = policy;
    r.result.p50_ms = p95 / 2;
    r.result.p95_ms = p95;
    r.result.p99_ms = p95 * 1.5;
    r.result.throughput_rps = rps;
    return r;
}

// Rows no other row beats: at most the p95 and at least the throughput, better in one.
std::vector<std::size_t> bruteForceFrontier(const std::vector<ui::ServingRow>& rows) {
    std::vector<std::size_t> front;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& a = rows[i].result;
        bool beaten = false;
        for (std::size_t j = 0; j < rows.size() && !beaten; ++j) {
            const auto& b = rows[j].result;
            beaten = b.p95_ms <= a.p95_ms && b.throughput_rps >= a.throughput_rps &&
                     (b.p95_ms < a.p95_ms || b.throughput_rps > a.throughput_rps);
        }
        if (!beaten) front.push_back(i);
    }
    return front;
}

double sortValue(const Model& model, int row, Model::Column column) {
    return model.data(model.index(row, column), Model::SortRole).toDouble();
}

QString shown(const Model& model, int row, Model::Column column) {
    return model.data(model.index(row, column)).toString();
}

// The frontier of the page's results: the model's, the Pareto chart's (as row indices), and the
// bold rows all agree with the brute-force one.
void expectFrontierAgrees(const ui::ServingPage& page) {
    const Model& model = *page.results();
    const std::vector<std::size_t> expected = bruteForceFrontier(model.rows());
    EXPECT_EQ(model.frontier(), expected);
    std::vector<std::size_t> plotted = page.pareto()->front();
    std::sort(plotted.begin(), plotted.end());
    EXPECT_EQ(plotted, expected);
    EXPECT_EQ(page.pareto()->cloudGraph()->dataCount(), int(model.rows().size()));
    EXPECT_EQ(page.pareto()->frontierGraph()->dataCount(), int(expected.size()));
    for (int r = 0; r < model.rowCount(); ++r) {
        const bool front = std::find(expected.begin(), expected.end(), std::size_t(r)) != expected.end();
        EXPECT_EQ(model.data(model.index(r, Model::Policy), Model::FrontierRole).toBool(), front) << r;
        EXPECT_EQ(model.data(model.index(r, Model::P95), Qt::FontRole).value<QFont>().bold(), front) << r;
    }
}

// Starts a benchmark with `button` and waits for its end; `sawLive` tells whether the charts had
// points of `policy` while it still ran. Returns the report (empty when it did not complete).
engine::ServeBenchReport runFromThePage(ui::ServingPage& page, ui::Workbench& wb, QPushButton* button,
                                        const std::string& policy, bool* sawLive = nullptr) {
    QSignalSpy finished(&wb, &ui::Workbench::laneFinished);
    EXPECT_TRUE(button->isEnabled()) << button->toolTip().toStdString();
    button->click();
    EXPECT_TRUE(wb.isRunning(ui::Workbench::JobKind::Serve));
    EXPECT_TRUE(page.benchRuns());
    // Stop can end it; the form is locked and no other benchmark starts meanwhile.
    EXPECT_TRUE(page.stopButton()->isEnabled());
    EXPECT_FALSE(page.form()->requestsSpin()->isEnabled());
    EXPECT_FALSE(page.runButton()->isEnabled());
    EXPECT_FALSE(page.compareButton()->isEnabled());
    EXPECT_FALSE(page.runBench());
    bool live = false;
    const bool ended = QTest::qWaitFor(
        [&] {
            if (wb.isRunning() && page.charts()->pointCount(policy, ServingCharts::Queue) > 0) live = true;
            return finished.count() > 0;
        },
        kRunTimeoutMs);
    if (sawLive) *sawLive = live;
    if (!ended) {
        QStringList log;
        for (int i = 0; i < page.logList()->count(); ++i) log << page.logList()->item(i)->text();
        ADD_FAILURE() << "the benchmark did not end; its log:\n" << log.join('\n').toStdString();
        return {};
    }
    const ui::JobLane* lane = wb.lane(ui::Workbench::JobKind::Serve);
    const engine::JobEnd end = lane->end();
    EXPECT_EQ(end.status, engine::JobStatus::Completed) << end.error;
    EXPECT_FALSE(wb.isRunning());
    if (!lane->result<engine::ServeBenchReport>()) {
        ADD_FAILURE() << "no report";
        return {};
    }
    const auto report = *lane->result<engine::ServeBenchReport>();
    EXPECT_EQ(end.run_id, report.run_id);
    return report;
}

}  // namespace

TEST(ServingResults, SettingsAndWorkloadTexts) {
    engine::ServeBenchSpec s;  // the engine's defaults
    EXPECT_EQ(ui::servingSettingsText(s, "kmeans"), "kmeans k=8 B=16 delay=20ms");
    EXPECT_EQ(ui::servingSettingsText(s, "max-delay"), "max-delay B=16 preferred=8,16 delay=20ms");
    EXPECT_EQ(ui::servingSettingsText(s, "bucket"), "bucket B=16 edges=32,64,128 delay=20ms");
    EXPECT_EQ(ui::servingSettingsText(s, "fifo"), "fifo B=16");
    EXPECT_EQ(ui::servingSettingsText(s, "continuous"), "continuous B=16");
    s.batching.max_queue_delay_us = 500;
    s.attention = "segmented";
    s.window = 64;
    EXPECT_EQ(ui::servingSettingsText(s, "kmeans"), "kmeans k=8 B=16 delay=500µs segmented w=64");
    s.batching.within = "nearest";
    s.batching.prefill_groups = 1;
    s.batching.retire_finished = false;
    EXPECT_EQ(ui::servingSettingsText(s, "kmeans"), "kmeans k=8 nearest B=16 prefills=1 keep-finished delay=500µs segmented w=64");
    EXPECT_EQ(ui::servingSettingsText(s, "continuous"), "continuous B=16 prefills=1 segmented w=64");
    s.batching = {};
    s.batching.max_queue_delay_us = 1500;
    EXPECT_EQ(ui::servingSettingsText(s, "bucket"), "bucket B=16 edges=32,64,128 delay=1.5ms segmented w=64");

    EXPECT_EQ(ui::servingWorkloadText(s.workload), "384 req · 48 clients · seed 1");
    s.workload.rate = 20;
    EXPECT_EQ(ui::servingWorkloadText(s.workload), "384 req · Poisson 20 req/s · seed 1");
    EXPECT_EQ(ui::servingWorkloadDetail(s.workload),
              "prompt lognormal median 48 σ 0.8 in [8, 320]; output lognormal median 20 σ 1.2 in [2, 256]");
}

TEST(ServingResults, FrontierOfConstructedRows) {
    //   0 fifo       (p95 10, 5 req/s)  front: the lowest latency
    //   1 max-delay  (20, 8)            front
    //   2 bucket     (25, 7)            beaten by 1
    //   3 kmeans     (40, 12)           front: the highest throughput
    //   4 continuous (40, 10)           beaten by 3 (same latency, less throughput)
    //   5 fifo       (15, 5)            beaten by 0 (same throughput, more latency)
    //   6 kmeans     (10, 5)            front: a tie with 0 beats neither
    const std::vector<ui::ServingRow> rows{row("fifo", 10, 5),        row("max-delay", 20, 8), row("bucket", 25, 7),
                                           row("kmeans", 40, 12),     row("continuous", 40, 10),
                                           row("fifo", 15, 5),        row("kmeans", 10, 5)};
    EXPECT_EQ(Model::frontierOf(rows), (std::vector<std::size_t>{0, 1, 3, 6}));
    EXPECT_EQ(Model::frontierOf(rows), bruteForceFrontier(rows));
    EXPECT_TRUE(Model::frontierOf({}).empty());

    Model model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QSignalSpy changed(&model, &Model::rowsChanged);
    model.addRows({rows.begin(), rows.begin() + 3});
    EXPECT_EQ(model.frontier(), (std::vector<std::size_t>{0, 1}));
    // A later row takes row 1's place on the frontier, and row 1 stays there too.
    model.addRows({rows.begin() + 3, rows.end()});
    EXPECT_EQ(changed.count(), 2);
    EXPECT_EQ(model.rowCount(), 7);
    EXPECT_EQ(model.frontier(), (std::vector<std::size_t>{0, 1, 3, 6}));
    EXPECT_TRUE(model.onFrontier(3));
    EXPECT_FALSE(model.onFrontier(4));
    EXPECT_FALSE(model.onFrontier(7));
    EXPECT_TRUE(model.data(model.index(3, Model::Throughput), Qt::FontRole).value<QFont>().bold());
    EXPECT_FALSE(model.data(model.index(4, Model::Throughput), Qt::FontRole).value<QFont>().bold());
    EXPECT_EQ(model.headerData(2, Qt::Vertical).toString(), "#3");
    EXPECT_EQ(shown(model, 3, Model::Policy), "kmeans");
    EXPECT_DOUBLE_EQ(sortValue(model, 3, Model::P95), 40.0);
    EXPECT_DOUBLE_EQ(sortValue(model, 3, Model::Throughput), 12.0);

    // The chart draws the same frontier, walked in latency order.
    ui::ParetoPlot plot(QStringLiteral("t"), QStringLiteral("results"));
    std::vector<ui::ParetoPlot::Point> points;
    for (const ui::ServingRow& r : rows)
        points.push_back({r.result.p95_ms, r.result.throughput_rps, r.settings, r.settings});
    plot.setPoints(points, {"p95", false}, {"throughput", true}, "none");
    EXPECT_EQ(plot.front(), (std::vector<std::size_t>{0, 6, 1, 3}));
    EXPECT_EQ(test::keys(plot.frontierGraph()), (std::vector<double>{10, 10, 20, 40}));
    EXPECT_EQ(plot.cloudGraph()->dataCount(), 7);
    EXPECT_TRUE(plot.placeholderText().isEmpty());
    plot.setPoints({}, {"p95", false}, {"throughput", true}, "none");
    EXPECT_TRUE(plot.front().empty());
    EXPECT_EQ(plot.placeholderText(), "none");

    model.clear();
    EXPECT_EQ(model.rowCount(), 0);
    EXPECT_TRUE(model.frontier().empty());
}

TEST(ServingForm, FieldsMakeTheSpecAndInvalidSettingsAreNamed) {
    ui::ServingForm form;
    const engine::ServeBenchSpec defaults;
    engine::ServeBenchSpec s = form.spec();
    EXPECT_EQ(s.workload.requests, defaults.workload.requests);
    EXPECT_EQ(s.workload.concurrency, defaults.workload.concurrency);
    EXPECT_EQ(s.workload.rate, 0.0);
    EXPECT_EQ(s.workload.prompt.kind, defaults.workload.prompt.kind);
    EXPECT_DOUBLE_EQ(s.workload.prompt.median, defaults.workload.prompt.median);
    EXPECT_EQ(s.workload.output.max, defaults.workload.output.max);
    EXPECT_EQ(s.batching.policy, defaults.batching.policy);
    EXPECT_EQ(s.batching.preferred_batch_sizes, defaults.batching.preferred_batch_sizes);
    EXPECT_EQ(s.batching.bucket_edges, defaults.batching.bucket_edges);
    EXPECT_EQ(s.batching.max_queue_delay_us, defaults.batching.max_queue_delay_us);
    EXPECT_EQ(s.batching.within, defaults.batching.within);
    EXPECT_EQ(s.batching.neighbour_window, defaults.batching.neighbour_window);
    EXPECT_DOUBLE_EQ(s.batching.output_weight, defaults.batching.output_weight);
    EXPECT_DOUBLE_EQ(s.batching.min_wait_share, defaults.batching.min_wait_share);
    EXPECT_EQ(s.batching.prefill_groups, defaults.batching.prefill_groups);
    EXPECT_EQ(s.batching.retire_finished, defaults.batching.retire_finished);
    EXPECT_EQ(s.attention, "full");
    EXPECT_TRUE(form.isValid()) << form.error().toStdString();

    // What the form does not show is kept from setSpec(); what it shows comes back unchanged.
    const engine::ServeBenchSpec tiny = tinySpec(QStringLiteral("/tmp/cache"));
    form.setSpec(tiny);
    s = form.spec();
    EXPECT_EQ(s.model.d_model, 32);
    EXPECT_EQ(s.model.train_steps, 5);
    EXPECT_EQ(s.cache_dir, "/tmp/cache");
    EXPECT_EQ(s.workload.requests, 12);
    EXPECT_EQ(s.workload.seed, 3u);
    EXPECT_EQ(s.workload.prompt.max, 24);
    EXPECT_DOUBLE_EQ(s.workload.output.sigma, 0.5);
    EXPECT_EQ(s.batching.max_batch, 4);
    EXPECT_EQ(s.batching.preferred_batch_sizes, (std::vector<int>{2, 4}));
    EXPECT_EQ(s.batching.bucket_edges, (std::vector<int>{4, 8}));
    EXPECT_EQ(s.batching.clusters, 2);
    EXPECT_TRUE(s.compare.empty());

    // The clustering and execution settings are the fields'.
    form.withinCombo()->setCurrentIndex(form.withinCombo()->findText("nearest"));
    form.neighbourWindowSpin()->setValue(32);
    form.outputWeightSpin()->setValue(3.0);
    form.minWaitShareSpin()->setValue(0.5);
    form.prefillGroupsSpin()->setValue(1);
    form.retireCheck()->setChecked(false);
    s = form.spec();
    EXPECT_EQ(s.batching.within, "nearest");
    EXPECT_EQ(s.batching.neighbour_window, 32);
    EXPECT_DOUBLE_EQ(s.batching.output_weight, 3.0);
    EXPECT_DOUBLE_EQ(s.batching.min_wait_share, 0.5);
    EXPECT_EQ(s.batching.prefill_groups, 1);
    EXPECT_FALSE(s.batching.retire_finished);
    form.setSpec(tiny);

    // Poisson arrivals use the rate; the window only counts for segmented attention.
    form.arrivalsCombo()->setCurrentIndex(form.arrivalsCombo()->findData("poisson"));
    form.rateSpin()->setValue(7.5);
    EXPECT_DOUBLE_EQ(form.spec().workload.rate, 7.5);
    EXPECT_FALSE(form.windowSpin()->isEnabled());
    form.attentionCombo()->setCurrentText("segmented");
    EXPECT_TRUE(form.windowSpin()->isEnabled());
    EXPECT_EQ(form.spec().attention, "segmented");

    // The engine's objection, named under the fields.
    QSignalSpy changed(&form, &ui::JobForm::changed);
    form.promptFields().min->setValue(50);  // above the prompt's max of 24
    EXPECT_FALSE(form.isValid());
    EXPECT_TRUE(form.error().contains("prompt")) << form.error().toStdString();
    EXPECT_FALSE(form.errorLabel()->isHidden());
    EXPECT_GE(changed.count(), 1);
    form.promptFields().min->setValue(4);
    EXPECT_TRUE(form.isValid()) << form.error().toStdString();
    EXPECT_TRUE(form.errorLabel()->isHidden());
    form.preferredSizesEdit()->setText("0, 4");
    EXPECT_TRUE(form.error().contains("preferred_batch")) << form.error().toStdString();
    // A list that is not one is the form's own objection.
    form.preferredSizesEdit()->setText("8, x");
    EXPECT_TRUE(form.error().contains("Preferred sizes")) << form.error().toStdString();
    form.preferredSizesEdit()->setText("2 4");
    EXPECT_TRUE(form.isValid());
    EXPECT_EQ(ui::ServingForm::parseIntList("8, 16;32"), (std::vector<int>{8, 16, 32}));
    EXPECT_EQ(ui::ServingForm::parseIntList(""), std::vector<int>{});
    EXPECT_FALSE(ui::ServingForm::parseIntList("8.5"));

    // A fifo that could never fill a batch is refused: it would wait forever, unstoppable.
    engine::ServeBenchSpec stuck = tiny;
    stuck.batching.policy = "fifo";
    stuck.batching.max_batch = 8;  // four clients
    EXPECT_TRUE(ui::ServingForm::stallReason(stuck, "fifo").contains("wait forever"));
    EXPECT_TRUE(ui::ServingForm::stallReason(stuck, "max-delay").isEmpty());  // it sends after the delay
    engine::ServeBenchSpec open = stuck;
    open.workload.rate = 10;  // Poisson: the queue empties once every request has arrived
    EXPECT_TRUE(ui::ServingForm::stallReason(open, "fifo").isEmpty());
    engine::ServeBenchSpec few = stuck;
    few.workload.requests = 4;  // all sent at once: the last batch goes
    EXPECT_TRUE(ui::ServingForm::stallReason(few, "fifo").isEmpty());
    form.setSpec(stuck);
    EXPECT_FALSE(form.isValid());
    EXPECT_EQ(form.error(), ui::ServingForm::stallReason(stuck, "fifo"));
    form.setSpec(tiny);
    EXPECT_TRUE(form.isValid());

    form.setEditable(false);
    EXPECT_FALSE(form.policyCombo()->isEnabled());
    EXPECT_FALSE(form.promptFields().max->isEnabled());
}

TEST(ServingPage, AnInvalidSettingIsShownAndNothingRuns) {
    test::ScratchWorkbench s;
    ui::ServingPage page(&s.wb);
    QTemporaryDir cache;
    page.form()->setSpec(tinySpec(cache.path()));
    EXPECT_TRUE(page.runButton()->isEnabled());
    EXPECT_TRUE(page.compareButton()->isEnabled());

    page.form()->outputFields().sigma->setValue(0.0);
    EXPECT_FALSE(page.form()->errorLabel()->isHidden());
    const QString error = page.form()->errorLabel()->text();
    EXPECT_TRUE(error.contains("output")) << error.toStdString();
    EXPECT_FALSE(page.runButton()->isEnabled());
    EXPECT_EQ(page.runButton()->toolTip(), page.form()->error());
    EXPECT_FALSE(page.compareButton()->isEnabled());
    EXPECT_FALSE(page.runBench());
    EXPECT_FALSE(page.compareAllPolicies());
    EXPECT_FALSE(s.wb.isRunning());
    EXPECT_EQ(page.results()->rowCount(), 0);
    EXPECT_EQ(page.logList()->count(), 0);
    // The workbench refuses such a spec too.
    EXPECT_THROW(s.wb.start(page.form()->spec()), engine::ConfigError);
    EXPECT_FALSE(s.wb.isRunning());
}

TEST(ServingPage, ARunAddsItsResultAndTheChartsFollowItLive) {
    SPARQ_REQUIRE_LICENCE_TEXTS();
    test::ScratchWorkbench s;
    ui::ServingPage page(&s.wb);
    QTemporaryDir cache;
    engine::ServeBenchSpec spec = tinySpec(cache.path());
    // Poisson arrivals spread the requests over about a second and a half, whatever the speed of
    // the machine, so the charts are drawn while the benchmark still runs.
    spec.workload.rate = 8;
    page.form()->setSpec(spec);

    bool sawLive = false;
    const engine::ServeBenchReport report = runFromThePage(page, s.wb, page.runButton(), "kmeans", &sawLive);
    ASSERT_EQ(report.results.size(), 1u);
    const engine::ServeResult& r = report.results[0];
    EXPECT_TRUE(sawLive) << "no live point before the end";
    EXPECT_GT(report.run_id, 0);
    EXPECT_EQ(s.wb.runOf(ui::Workbench::JobKind::Serve), report.run_id);
    EXPECT_EQ(s.wb.specOf<engine::ServeBenchSpec>().cache_dir, spec.cache_dir);
    EXPECT_EQ(r.policy, "kmeans");
    EXPECT_GT(r.throughput_rps, 0.0);
    EXPECT_GE(r.p95_ms, r.p50_ms);
    EXPECT_EQ(r.requests, 12);

    // One row, holding the engine's figures.
    const Model& model = *page.results();
    ASSERT_EQ(model.rowCount(), 1);
    EXPECT_EQ(model.rows()[0].run, report.run_id);
    EXPECT_EQ(model.rows()[0].settings, "kmeans k=2 B=4 delay=2ms");
    EXPECT_EQ(model.rows()[0].workload, "12 req · Poisson 8 req/s · seed 3");
    EXPECT_EQ(shown(model, 0, Model::Policy), "kmeans");
    EXPECT_EQ(sortValue(model, 0, Model::Run), double(report.run_id));
    EXPECT_EQ(sortValue(model, 0, Model::Throughput), r.throughput_rps);
    EXPECT_EQ(sortValue(model, 0, Model::TokensPerS), r.tokens_per_s);
    EXPECT_EQ(sortValue(model, 0, Model::P50), r.p50_ms);
    EXPECT_EQ(sortValue(model, 0, Model::P95), r.p95_ms);
    EXPECT_EQ(sortValue(model, 0, Model::P99), r.p99_ms);
    EXPECT_EQ(sortValue(model, 0, Model::Padding), r.padding_fraction);
    EXPECT_EQ(sortValue(model, 0, Model::MeanBatch), r.mean_batch);
    EXPECT_DOUBLE_EQ(sortValue(model, 0, Model::KvCacheMb), double(r.kv_cache_peak_bytes) / (1024.0 * 1024.0));
    EXPECT_EQ(shown(model, 0, Model::Throughput), QLocale().toString(r.throughput_rps, 'f', 2));
    EXPECT_EQ(shown(model, 0, Model::P95), QLocale().toString(r.p95_ms, 'f', 1));
    EXPECT_EQ(page.resultsTable()->model()->rowCount(), 1);
    // A lone result is its own frontier.
    EXPECT_EQ(page.pareto()->front(), (std::vector<std::size_t>{0}));

    // The history has the run, kind "serve", with the same result in its summary.
    s.wb.store().flush();
    const profiler::RunReader reader(s.wb.dbPath());
    const auto record = reader.run(report.run_id);
    ASSERT_TRUE(record);
    EXPECT_EQ(record->kind, "serve");
    EXPECT_EQ(record->status, "completed");
    const QJsonArray results = test::toObject(record->summary_json).value("results").toArray();
    ASSERT_EQ(results.size(), 1);
    EXPECT_EQ(results[0].toObject(), test::toObject(engine::to_json(r)));

    // The live charts: each series of the policy, on the run's id; throughput and latency as the
    // engine last published them match the final figures' order of magnitude.
    ASSERT_TRUE(QTest::qWaitFor([&] { return page.charts()->run() == report.run_id; }, 5000));
    for (auto metric : {ServingCharts::Queue, ServingCharts::P50, ServingCharts::P95, ServingCharts::P99, ServingCharts::Throughput, ServingCharts::Padding})
        EXPECT_GT(page.charts()->pointCount("kmeans", metric), 0) << metric;
    EXPECT_EQ(page.charts()->pointCount("fifo", ServingCharts::Queue), 0);
    EXPECT_GE(test::keys(page.charts()->graph("kmeans", ServingCharts::Queue)).front(), 0.0);
    EXPECT_TRUE(page.charts()->caption()->text().contains(QString::number(report.run_id)));

    // The log has the model's training and the result; the bar says how it ended.
    QStringList lines;
    for (int i = 0; i < page.logList()->count(); ++i) lines << page.logList()->item(i)->text();
    const QString log = lines.join('\n');
    EXPECT_TRUE(log.contains("training tiny-lm: step 5/5")) << log.toStdString();
    EXPECT_TRUE(log.contains("kmeans: ")) << log.toStdString();
    EXPECT_TRUE(log.contains(QStringLiteral("run %1 completed").arg(report.run_id))) << log.toStdString();
    EXPECT_EQ(page.progress()->value(), page.progress()->maximum());
    EXPECT_TRUE(page.runButton()->isEnabled());
    EXPECT_TRUE(page.form()->requestsSpin()->isEnabled());
}

TEST(ServingPage, CompareAllPoliciesAddsARowPerPolicyAndTheFrontier) {
    SPARQ_REQUIRE_LICENCE_TEXTS();
    test::ScratchWorkbench s;
    ui::ServingPage page(&s.wb);
    QAbstractItemModelTester tester(page.results(), QAbstractItemModelTester::FailureReportingMode::Fatal);
    QTemporaryDir cache;
    page.form()->setSpec(tinySpec(cache.path()));
    ASSERT_TRUE(test::showActive(page, QSize(1500, 950)));

    const engine::ServeBenchReport report = runFromThePage(page, s.wb, page.compareButton(), "fifo");
    const auto& policies = engine::serving_policies();
    ASSERT_EQ(report.results.size(), policies.size());
    const Model& model = *page.results();
    ASSERT_EQ(model.rowCount(), int(policies.size()));
    std::set<QRgb> colours;
    for (std::size_t i = 0; i < policies.size(); ++i) {
        const engine::ServeResult& r = report.results[i];
        EXPECT_EQ(r.policy, policies[i]);
        EXPECT_EQ(model.rows()[i].result.policy, policies[i]);
        EXPECT_EQ(model.rows()[i].run, report.run_id);
        EXPECT_EQ(sortValue(model, int(i), Model::Throughput), r.throughput_rps);
        EXPECT_EQ(sortValue(model, int(i), Model::P95), r.p95_ms);
        EXPECT_GT(r.throughput_rps, 0.0) << policies[i];
        EXPECT_GE(r.p95_ms, r.p50_ms) << policies[i];
        // Each policy drew its lines, in its own colour on every chart.
        EXPECT_GT(page.charts()->pointCount(policies[i], ServingCharts::P95), 0) << policies[i];
        const QColor colour = page.charts()->graph(policies[i], ServingCharts::Throughput)->pen().color();
        EXPECT_EQ(page.charts()->graph(policies[i], ServingCharts::Queue)->pen().color(), colour);
        colours.insert(colour.rgb());
    }
    EXPECT_EQ(colours.size(), policies.size());
    EXPECT_EQ(model.rows()[3].settings, "kmeans k=2 B=4 delay=2ms");
    EXPECT_EQ(model.rows()[1].settings, "max-delay B=4 preferred=2,4 delay=2ms");
    ASSERT_NO_FATAL_FAILURE(expectFrontierAgrees(page));
    EXPECT_FALSE(model.frontier().empty());
    test::saveScreenshot(page, "SPARQ_SERVING_SCREENSHOT");

    // fifo waits for full batches: more than the four clients can fill would never come, so
    // neither Run nor Compare starts one.
    page.form()->policyCombo()->setCurrentText("fifo");
    page.form()->maxBatchSpin()->setValue(6);
    EXPECT_TRUE(page.form()->error().contains("wait forever")) << page.form()->error().toStdString();
    EXPECT_FALSE(page.runButton()->isEnabled());
    EXPECT_FALSE(page.compareButton()->isEnabled());
    EXPECT_EQ(page.compareButton()->toolTip(), page.form()->error());
    EXPECT_FALSE(page.compareAllPolicies());
    EXPECT_FALSE(s.wb.isRunning());
    // With six clients it can: rows accumulate, the new one after the others.
    page.form()->concurrencySpin()->setValue(6);
    const engine::ServeBenchReport again = runFromThePage(page, s.wb, page.runButton(), "fifo");
    ASSERT_EQ(again.results.size(), 1u);
    EXPECT_GT(again.run_id, report.run_id);
    ASSERT_EQ(model.rowCount(), int(policies.size()) + 1);
    EXPECT_EQ(model.rows().back().settings, "fifo B=6");
    EXPECT_EQ(model.rows().back().workload, "12 req · 6 clients · seed 3");
    EXPECT_EQ(model.rows().back().run, again.run_id);
    EXPECT_EQ(sortValue(model, model.rowCount() - 1, Model::P95), again.results[0].p95_ms);
    ASSERT_NO_FATAL_FAILURE(expectFrontierAgrees(page));
    // The charts show the newest run only.
    ASSERT_TRUE(QTest::qWaitFor([&] { return page.charts()->run() == again.run_id; }, 5000));
    EXPECT_EQ(page.charts()->pointCount("kmeans", ServingCharts::P95), 0);

    page.clearButton()->click();
    EXPECT_EQ(model.rowCount(), 0);
    EXPECT_TRUE(page.pareto()->front().empty());
}

// Stop during a comparison: the benchmark ends within a decode step, the policies that had
// finished keep their rows, and the run is stored as cancelled with their results.
TEST(ServingPage, StopEndsABenchmarkAndKeepsTheFinishedPolicies) {
    SPARQ_REQUIRE_LICENCE_TEXTS();
    test::ScratchWorkbench s;
    ui::ServingPage page(&s.wb);
    QTemporaryDir cache;
    engine::ServeBenchSpec spec = tinySpec(cache.path());
    spec.workload.rate = 8;  // about a second and a half per policy, whatever the machine
    page.form()->setSpec(spec);
    QSignalSpy finished(&s.wb, &ui::Workbench::laneFinished);
    page.compareButton()->click();
    ASSERT_TRUE(s.wb.isRunning());
    auto logged = [&](const QString& start) {
        for (int i = 0; i < page.logList()->count(); ++i)
            if (page.logList()->item(i)->text().contains(start)) return true;
        return false;
    };
    // The first policy (fifo) has finished: stop while the second serves.
    ASSERT_TRUE(QTest::qWaitFor([&] { return logged("fifo: "); }, kRunTimeoutMs));
    ASSERT_TRUE(page.stopButton()->isEnabled());
    page.stopButton()->click();
    ASSERT_TRUE(QTest::qWaitFor([&] { return finished.count() > 0; }, 10000)) << "Stop did not end it";
    EXPECT_FALSE(s.wb.isRunning());
    const ui::JobLane* lane = s.wb.lane(ui::Workbench::JobKind::Serve);
    EXPECT_EQ(lane->end().status, engine::JobStatus::Cancelled);
    ASSERT_NE(lane->result<engine::ServeBenchReport>(), nullptr);
    const auto report = *lane->result<engine::ServeBenchReport>();
    EXPECT_TRUE(report.cancelled);
    ASSERT_GE(report.results.size(), 1u);
    EXPECT_LT(report.results.size(), engine::serving_policies().size());
    EXPECT_EQ(report.results[0].policy, "fifo");
    EXPECT_EQ(report.results[0].requests, 12) << "a finished policy keeps its whole figures";
    EXPECT_EQ(page.results()->rowCount(), int(report.results.size()));
    EXPECT_TRUE(logged("cancelled"));

    s.wb.store().flush();
    const profiler::RunReader reader(s.wb.dbPath());
    const auto record = reader.run(report.run_id);
    ASSERT_TRUE(record);
    EXPECT_EQ(record->status, "cancelled");
    EXPECT_EQ(test::toObject(record->summary_json).value("results").toArray().size(), int(report.results.size()));
    // It can run again.
    EXPECT_TRUE(page.runButton()->isEnabled());
}

TEST(ServingPage, AFailedBenchmarkSaysWhyAndAddsNoRow) {
    test::ScratchWorkbench s;
    ui::ServingPage page(&s.wb);
    QTemporaryDir cache;
    engine::ServeBenchSpec spec = tinySpec(cache.path());
    spec.model.text_dir = cache.filePath("no-such-folder").toStdString();  // valid, but nothing to train on
    page.form()->setSpec(spec);
    QSignalSpy finished(&s.wb, &ui::Workbench::laneFinished);
    ASSERT_TRUE(page.runBench());
    ASSERT_TRUE(QTest::qWaitFor([&] { return finished.count() > 0; }, kRunTimeoutMs));
    const ui::JobLane* lane = s.wb.lane(ui::Workbench::JobKind::Serve);
    const engine::JobEnd end = lane->end();
    EXPECT_EQ(end.status, engine::JobStatus::Failed);
    EXPECT_TRUE(QString::fromStdString(end.error).contains("no-such-folder")) << end.error;
    EXPECT_EQ(lane->result<engine::ServeBenchReport>(), nullptr);
    EXPECT_FALSE(s.wb.isRunning());
    EXPECT_EQ(page.results()->rowCount(), 0);
    const QString last = page.logList()->item(page.logList()->count() - 1)->text();
    EXPECT_TRUE(last.contains("the benchmark failed") && last.contains("no-such-folder")) << last.toStdString();
    EXPECT_EQ(page.progress()->value(), 0);
    EXPECT_TRUE(page.runButton()->isEnabled());
}

TEST(ServingPage, IsTheNinthViewOfTheMainWindow) {
    test::ScratchWorkbench s;
    ui::MainWindow window(&s.wb);
    ASSERT_TRUE(test::showActive(window));
    QTest::keyClick(&window, Qt::Key_9, Qt::ControlModifier);
    EXPECT_EQ(window.currentView(), ui::MainWindow::ServingView);
    ASSERT_NE(window.servingPage(), nullptr);
    EXPECT_TRUE(window.servingPage()->isVisible());
    EXPECT_TRUE(window.servingPage()->charts()->isVisible());
    // Job > Start on this view runs the serving form: refused (inline) while the form is invalid.
    window.servingPage()->form()->promptFields().min->setValue(4000);
    QTest::keyClick(&window, Qt::Key_Return, Qt::ControlModifier);
    EXPECT_FALSE(s.wb.isRunning());
    EXPECT_FALSE(window.servingPage()->form()->errorLabel()->isHidden());
}

// History view on a real history database: ten thousand runs load, sort and filter quickly;
// selected runs' series are overlaid (step or time, smoothed); tags, notes, names and the
// archived flag are edited through the page and land in the database; deletion hides at once,
// is undone with Ctrl+Z and happens for real when the page goes; selected runs are exported;
// charts are saved as PNG, SVG and PDF; a damaged database is named and moved aside.
#include <gtest/gtest.h>

#include <QAction>
#include <QCheckBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFrame>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>
#include <qcustomplot.h>

#include "charts/chartexport.h"
#include "history/configdiffmodel.h"
#include "history/historycharts.h"
#include "history/historyeditor.h"
#include "history/historyfilterbar.h"
#include "history/historypage.h"
#include "page_test_support.h"
#include "history/parallelcoordinateschart.h"
#include "history/paretochart.h"
#include "history/runfilterproxy.h"
#include "history/runoverlaychart.h"
#include "history/runtablemodel.h"
#include "sparq/profiler/export_runs.h"
#include "sparq/profiler/run_store.h"

using namespace sparq;
using profiler::RunId;
using sparq::test::ScratchWorkbench;

namespace {

RunId addRun(profiler::RunStore& store, const std::string& name, const std::string& kind, const std::string& config,
             const std::string& summary, std::optional<double> accuracy, const std::string& status = "completed") {
    profiler::NewRun run;
    run.name = name;
    run.kind = kind;
    run.preset = kind == "train" ? "mlp-fashion" : "cnn-fashion";
    run.config_json = config;
    const RunId id = store.create_run(run);
    if (status != "running") store.finish_run(id, status, summary, accuracy);
    return id;
}

std::optional<profiler::RunRecord> stored(const std::string& db, RunId id) { return profiler::RunReader(db).run(id); }

// A page on `wb` with its first snapshot in the table.
std::unique_ptr<ui::HistoryPage> loadedPage(ui::Workbench& wb) {
    auto page = std::make_unique<ui::HistoryPage>(&wb);
    page->resize(1300, 900);
    page->show();
    const bool loaded = QTest::qWaitFor([&] { return page->loadCount() > 0; }, 30000);
    EXPECT_TRUE(loaded);
    return page;
}

// Waits for the edit under way and the refresh it starts.
bool waitForEdit(ui::HistoryPage& page) {
    QSignalSpy refreshed(&page, &ui::HistoryPage::refreshed);
    return QTest::qWaitFor([&] { return page.editor()->pendingEdits() == 0 && refreshed.count() > 0; }, 10000);
}

std::vector<RunId> sorted(std::vector<RunId> ids) {
    std::sort(ids.begin(), ids.end());
    return ids;
}

}  // namespace

TEST(HistoryPage, TenThousandRunsLoadSortAndFilterQuickly) {
    ScratchWorkbench s;
    ASSERT_TRUE(s.tmp.isValid());
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < 10000; ++i) {
        const std::string config = "{\"hidden\":" + std::to_string(64 << (i % 4)) + ",\"lr\":0.001,\"seed\":" +
                                   std::to_string(i) + "}";
        const std::string summary = "{\"step_ms\":" + std::to_string(1 + i % 13) + ",\"params\":" + std::to_string(1000 + i) + "}";
        addRun(s.wb.store(), "sweep-" + std::to_string(i), i % 4 == 0 ? "quantize" : "train", config, summary,
               0.7 + 0.2 * double(i % 101) / 100.0, i % 9 == 0 ? "failed" : "completed");
    }
    std::printf("[ info ] generated 10000 runs in %lld ms\n", static_cast<long long>(clock.elapsed()));

    clock.restart();
    auto page = loadedPage(s.wb);
    std::printf("[ info ] 10000 runs listed and in the table %lld ms after the page was made\n",
                static_cast<long long>(clock.elapsed()));
    ASSERT_EQ(page->model()->rowCount(), 10000);
    EXPECT_EQ(page->proxy()->rowCount(), 10000);

    clock.restart();
    page->view()->sortByColumn(ui::RunTableModel::TestAccuracy, Qt::DescendingOrder);
    const qint64 sortMs = clock.elapsed();
    clock.restart();
    profiler::RunFilter filter;
    filter.kind = "train";
    filter.text = "\"hidden\":512";  // in the configuration
    page->proxy()->setRunFilter(filter);
    const qint64 filterMs = clock.elapsed();
    clock.restart();
    page->proxy()->setRunFilter({});
    page->view()->sortByColumn(ui::RunTableModel::Name, Qt::AscendingOrder);
    const qint64 againMs = clock.elapsed();
    std::printf("[ info ] 10000 runs: sort by accuracy %lld ms, kind + configuration text filter %lld ms, "
                "unfilter + sort by name %lld ms\n",
                static_cast<long long>(sortMs), static_cast<long long>(filterMs), static_cast<long long>(againMs));
    EXPECT_LT(sortMs + filterMs, 1000);
    EXPECT_LT(againMs, 1000);

    page->view()->sortByColumn(ui::RunTableModel::TestAccuracy, Qt::DescendingOrder);
    page->proxy()->setRunFilter(filter);
    EXPECT_EQ(page->proxy()->rowCount(), 2500 - 0);  // i % 4 == 3: train, hidden 512
    const auto* top = page->model()->runById(page->proxy()->runIdAt(0));
    const auto* next = page->model()->runById(page->proxy()->runIdAt(1));
    ASSERT_TRUE(top && next);
    EXPECT_GE(*top->test_accuracy, *next->test_accuracy);

    // Selecting everything shown feeds the Pareto chart all of them, quickly.
    page->charts()->setCurrentIndex(ui::HistoryCharts::ParetoTab);
    clock.restart();
    page->view()->selectAll();
    ASSERT_TRUE(QTest::qWaitFor([&] { return int(page->charts()->pareto()->plottedRuns().size()) == 2500; }, 5000));
    page->charts()->setCurrentIndex(ui::HistoryCharts::ParallelTab);
    EXPECT_EQ(page->charts()->parallel()->lineCount(), ui::ParallelCoordinatesChart::kMaxRuns);
    test::saveScreenshot(*page, "SPARQ_HISTORY_10K_SCREENSHOT");
    std::printf("[ info ] Pareto chart of 2500 selected runs in %lld ms\n", static_cast<long long>(clock.elapsed()));
}

TEST(HistoryPage, OverlaysSeriesOfSelectedRunsWithSmoothing) {
    ScratchWorkbench s;
    profiler::RunStore& store = s.wb.store();
    const RunId a = addRun(store, "a", "train", R"({"hidden":128,"lr":0.01})", "{}", 0.8, "running");
    const RunId b = addRun(store, "b", "train", R"({"hidden":256,"lr":0.01})", "{}", 0.8, "running");
    {
        test::SeriesPublisher pa(s.wb.bus(), std::uint32_t(a)), pb(s.wb.bus(), std::uint32_t(b));
        for (int step = 0; step < 6; ++step) {
            pa.publish("train/loss", step, 6.0 - step);
            pb.publish("train/loss", step, step % 2 ? 4.0 : 2.0);
        }
        pa.publish("test/accuracy", 5, 0.81);
        pa.flush();
    }
    store.finish_run(a, "completed", R"({"step_ms":2.0})", 0.81);
    store.finish_run(b, "completed", R"({"step_ms":1.0})", 0.78);
    store.flush();

    auto page = loadedPage(s.wb);
    ui::RunOverlayChart* overlay = page->charts()->overlay();
    page->charts()->setCurrentIndex(ui::HistoryCharts::OverlayTab);
    ASSERT_EQ(page->selectRuns({a, b}), 2);
    ASSERT_TRUE(QTest::qWaitFor([&] { return overlay->runs().size() == 2 && overlay->loads() >= 2 && !overlay->isLoading(); }, 10000));
    EXPECT_EQ(overlay->seriesNames(), (QStringList{"test/accuracy", "train/loss"}));
    EXPECT_EQ(overlay->checkedSeries(), QStringList{"train/loss"});

    overlay->setSmoothing(0.0);
    QCustomPlot* plot = overlay->plot();
    // Runs in table order (newest first): b, then a.
    ASSERT_EQ(plot->graphCount(), 2);  // one line per run
    EXPECT_EQ(test::keys(plot->graph(0)), (std::vector<double>{0, 1, 2, 3, 4, 5}));  // steps
    EXPECT_EQ(test::values(plot->graph(0)), (std::vector<double>{2, 4, 2, 4, 2, 4}));
    EXPECT_EQ(test::values(plot->graph(1)), (std::vector<double>{6, 5, 4, 3, 2, 1}));

    overlay->setSmoothing(0.5);
    ASSERT_EQ(plot->graphCount(), 4);  // raw faintly behind each smoothed line
    EXPECT_EQ(test::values(plot->graph(0)), (std::vector<double>{2, 4, 2, 4, 2, 4}));
    EXPECT_EQ(test::values(plot->graph(1)), ui::RunOverlayChart::smooth({2, 4, 2, 4, 2, 4}, 0.5));
    EXPECT_EQ(plot->legend->itemCount(), 2);

    // By time since the run's first sample (published 1 ms apart).
    overlay->setXAxis(ui::RunOverlayChart::ByTime);
    const std::vector<double> t = test::keys(plot->graph(1));
    ASSERT_EQ(t.size(), 6u);
    EXPECT_DOUBLE_EQ(t.front(), 0.0);
    EXPECT_NEAR(t[1], 0.001, 1e-9);
    overlay->setXAxis(ui::RunOverlayChart::ByStep);

    // A series only run a has: one more line.
    const int loads = overlay->loads();
    ASSERT_TRUE(overlay->setSeriesChecked("test/accuracy", true));
    ASSERT_TRUE(QTest::qWaitFor([&] { return overlay->loads() > loads; }, 10000));
    EXPECT_EQ(plot->graphCount(), 6);
    test::saveScreenshot(*page, "SPARQ_HISTORY_SCREENSHOT");

    // The diff shows what differs; parallel coordinates and Pareto use the two runs.
    page->charts()->setCurrentIndex(ui::HistoryCharts::DiffTab);
    ASSERT_TRUE(QTest::qWaitFor([&] { return page->charts()->diffModel()->runCount() == 2; }, 5000));
    EXPECT_EQ(page->charts()->diffModel()->keys(), std::vector<std::string>{"hidden"});
    page->charts()->diffShowAll()->setChecked(true);
    EXPECT_EQ(page->charts()->diffModel()->keys(), (std::vector<std::string>{"hidden", "lr"}));
    page->charts()->setCurrentIndex(ui::HistoryCharts::ParetoTab);
    ASSERT_TRUE(page->charts()->pareto()->setFields("@latency", "@accuracy"));
    EXPECT_EQ(page->charts()->pareto()->frontRuns(), (std::vector<RunId>{b, a}));  // b faster, a better

    // Nothing selected: the overlay says what to do.
    page->view()->clearSelection();
    page->charts()->setCurrentIndex(ui::HistoryCharts::OverlayTab);
    ASSERT_TRUE(QTest::qWaitFor([&] { return overlay->runs().empty(); }, 5000));
    EXPECT_EQ(plot->graphCount(), 0);
}

TEST(HistoryPage, EditsLandInTheDatabase) {
    ScratchWorkbench s;
    const std::string db = s.wb.dbPath();
    const RunId a = addRun(s.wb.store(), "alpha", "train", "{}", "{}", 0.8);
    const RunId b = addRun(s.wb.store(), "beta", "quantize", "{}", "{}", 0.7);
    auto page = loadedPage(s.wb);

    page->selectRuns({a, b});
    page->tagSelected({"keep", "sweep-3"}, {});
    ASSERT_TRUE(waitForEdit(*page));
    EXPECT_EQ(stored(db, a)->tags, (std::vector<std::string>{"keep", "sweep-3"}));
    EXPECT_EQ(stored(db, b)->tags, (std::vector<std::string>{"keep", "sweep-3"}));
    const int row = page->model()->rowOf(a);
    EXPECT_EQ(page->model()->data(page->model()->index(row, ui::RunTableModel::Tags)).toString(), "keep, sweep-3");
    EXPECT_EQ(page->selectedRuns().size(), 2u);  // the selection survives the refresh
    EXPECT_GE(page->filterBar()->tagCombo()->findData("sweep-3"), 0);

    page->tagSelected({}, {"sweep-3"});
    ASSERT_TRUE(waitForEdit(*page));
    EXPECT_EQ(stored(db, a)->tags, std::vector<std::string>{"keep"});

    page->setNotes(a, "lr warm-up was off");
    page->renameRun(b, "beta (int8)");
    ASSERT_TRUE(waitForEdit(*page));
    ASSERT_TRUE(QTest::qWaitFor([&] { return page->model()->runById(b)->name == "beta (int8)"; }, 5000));
    EXPECT_EQ(stored(db, a)->notes, "lr warm-up was off");
    EXPECT_EQ(stored(db, b)->name, "beta (int8)");

    // Archived runs leave the list until "Show archived" is ticked.
    page->selectRuns({b});
    page->setSelectedArchived(true);
    ASSERT_TRUE(waitForEdit(*page));
    EXPECT_TRUE(stored(db, b)->archived);
    EXPECT_EQ(page->shownRuns(), std::vector<RunId>{a});
    page->filterBar()->archivedCheck()->setChecked(true);
    EXPECT_EQ(sorted(page->shownRuns()), (std::vector<RunId>{a, b}));
    page->selectRuns({b});
    page->setSelectedArchived(false);
    ASSERT_TRUE(waitForEdit(*page));
    EXPECT_FALSE(stored(db, b)->archived);

    // A refused edit says why and changes nothing.
    QSignalSpy failed(page->editor(), &ui::HistoryEditor::failed);
    page->renameRun(b, "   ");
    ASSERT_TRUE(waitForEdit(*page));
    EXPECT_EQ(failed.count(), 1);
    EXPECT_TRUE(page->statusLabel()->text().contains("failed")) << page->statusLabel()->text().toStdString();
    EXPECT_EQ(stored(db, b)->name, "beta (int8)");
}

TEST(HistoryPage, DeleteIsUndoneWithCtrlZAndCommittedWhenThePageCloses) {
    ScratchWorkbench s;
    const std::string db = s.wb.dbPath();
    const RunId a = addRun(s.wb.store(), "a", "train", "{}", "{}", 0.8);
    const RunId b = addRun(s.wb.store(), "b", "train", "{}", "{}", 0.8);
    const RunId c = addRun(s.wb.store(), "c", "train", "{}", "{}", 0.8);
    const RunId live = addRun(s.wb.store(), "live", "train", "{}", "{}", std::nullopt, "running");
    auto page = loadedPage(s.wb);
    page->activateWindow();
    ASSERT_TRUE(QTest::qWaitForWindowActive(page.get()));

    page->selectRuns({a, b});
    page->view()->setFocus();
    QTest::keyClick(page->view(), Qt::Key_Delete);
    EXPECT_EQ(sorted(page->shownRuns()), (std::vector<RunId>{c, live}));
    EXPECT_TRUE(stored(db, a) && stored(db, b));  // only held back so far
    EXPECT_TRUE(page->undoDeleteAction()->isEnabled());
    EXPECT_TRUE(page->statusLabel()->text().contains("Ctrl+Z"));

    QTest::keyClick(page->view(), Qt::Key_Z, Qt::ControlModifier);
    EXPECT_EQ(sorted(page->shownRuns()), (std::vector<RunId>{a, b, c, live}));
    EXPECT_EQ(sorted(page->selectedRuns()), (std::vector<RunId>{a, b}));  // back and selected
    EXPECT_FALSE(page->undoDeleteAction()->isEnabled());

    // A running run is never deleted; a refresh keeps the held runs hidden.
    page->selectRuns({b, live});
    page->deleteSelected();
    EXPECT_EQ(sorted(page->shownRuns()), (std::vector<RunId>{a, c, live}));
    page->refresh();
    ASSERT_TRUE(QTest::qWaitFor([&] { return page->loadCount() >= 2; }, 10000));
    EXPECT_EQ(sorted(page->shownRuns()), (std::vector<RunId>{a, c, live}));

    page.reset();  // the window closes: the delete happens
    EXPECT_FALSE(stored(db, b));
    EXPECT_TRUE(stored(db, a));
    EXPECT_TRUE(stored(db, c));
    EXPECT_TRUE(stored(db, live));
}

TEST(HistoryPage, ExportsSelectedRunsAndSavesCharts) {
    ScratchWorkbench s;
    const RunId a = addRun(s.wb.store(), "a", "train", R"({"hidden":128})", R"({"step_ms":2.5})", 0.8);
    addRun(s.wb.store(), "b", "train", R"({"hidden":256})", R"({"step_ms":1.5})", 0.7);
    const RunId c = addRun(s.wb.store(), "c", "quantize", R"({"hidden":64})", R"({"int8_latency_ms_b1":0.4})", 0.75);
    auto page = loadedPage(s.wb);
    page->selectRuns({a, c});
    std::vector<profiler::RunRecord> expectedRuns;
    for (RunId id : page->selectedRuns()) expectedRuns.push_back(*page->model()->runById(id));

    // Exactly what `sparq-cli history export` writes for these runs.
    const profiler::RunReader reader(s.wb.dbPath());
    for (const char* name : {"runs.csv", "runs.json", "samples.csv"}) {
        const QString path = s.tmp.filePath(name);
        const bool series = QString(name).startsWith("samples");
        QSignalSpy exported(page.get(), &ui::HistoryPage::exported);
        page->exportSelected(path, series);
        ASSERT_TRUE(QTest::qWaitFor([&] { return exported.count() > 0; }, 10000));
        EXPECT_EQ(exported.at(0).at(1).toString(), QString());
        QFile file(path);
        ASSERT_TRUE(file.open(QIODevice::ReadOnly));
        profiler::ExportOptions options;
        options.format = QString(name).endsWith("json") ? profiler::ExportFormat::Json : profiler::ExportFormat::Csv;
        options.series = series;
        EXPECT_EQ(file.readAll().toStdString(), profiler::export_runs(reader, expectedRuns, options)) << name;
    }
    EXPECT_TRUE(page->statusLabel()->text().contains("2 runs exported")) << page->statusLabel()->text().toStdString();
    QSignalSpy failedExport(page.get(), &ui::HistoryPage::exported);
    page->exportSelected(s.tmp.filePath("no/such/folder/runs.csv"));
    ASSERT_TRUE(QTest::qWaitFor([&] { return failedExport.count() > 0; }, 10000));
    EXPECT_FALSE(failedExport.at(0).at(1).toString().isEmpty());

    page->charts()->setCurrentIndex(ui::HistoryCharts::ParetoTab);
    ASSERT_TRUE(QTest::qWaitFor([&] { return page->charts()->pareto()->plottedRuns().size() == 2; }, 5000));
    test::saveScreenshot(*page, "SPARQ_HISTORY_PARETO_SCREENSHOT");
    QCustomPlot* plot = page->charts()->chartOf(ui::HistoryCharts::ParetoTab);
    ASSERT_NE(plot, nullptr);
    for (const char* name : {"pareto.png", "pareto.pdf", "pareto.svg"}) {
        const QString path = s.tmp.filePath(name);
        if (QString(name).endsWith("svg") && !ui::canSaveSvg()) {
            EXPECT_FALSE(ui::saveChart(plot, path).isEmpty());
            continue;
        }
        EXPECT_EQ(ui::saveChart(plot, path), QString()) << name;
        QFile file(path);
        ASSERT_TRUE(file.open(QIODevice::ReadOnly)) << name;
        const QByteArray head = file.read(64);
        const QString suffix = QFileInfo(path).suffix();
        const QByteArray magic = suffix == "png" ? QByteArray("\x89PNG") : suffix == "pdf" ? QByteArray("%PDF") : QByteArray("<?xml");
        EXPECT_TRUE(head.startsWith(magic)) << name << ": " << head.toStdString();
    }
    EXPECT_FALSE(ui::saveChart(plot, s.tmp.filePath("pareto.bmp")).isEmpty());
}

TEST(HistoryPage, EmptyHistorySaysWhatToDo) {
    ScratchWorkbench s;
    auto page = loadedPage(s.wb);
    const QLabel* empty = page->findChild<QLabel*>("historyEmpty");
    ASSERT_NE(empty, nullptr);
    EXPECT_TRUE(empty->isVisible());
    EXPECT_TRUE(empty->text().contains("No runs recorded yet"));

    addRun(s.wb.store(), "a", "train", "{}", "{}", 0.8);
    page->refresh();
    ASSERT_TRUE(QTest::qWaitFor([&] { return page->model()->rowCount() == 1; }, 10000));
    EXPECT_FALSE(empty->isVisible());
    page->filterBar()->kindCombo()->addItem("distill", "distill");
    page->filterBar()->kindCombo()->setCurrentIndex(page->filterBar()->kindCombo()->findData("distill"));
    EXPECT_TRUE(empty->isVisible());
    EXPECT_TRUE(empty->text().contains("No run matches"));
}

TEST(HistoryPage, DamagedDatabaseIsNamedAndMovedAside) {
    ScratchWorkbench s;
    const QString path = QString::fromStdString(s.wb.dbPath());
    addRun(s.wb.store(), "before", "train", "{}", "{}", 0.8);
    auto page = loadedPage(s.wb);
    EXPECT_FALSE(page->problemBanner()->isVisible());

    // Something else overwrites the file (the store keeps the old one open, as a store would).
    for (const char* suffix : {"", "-wal", "-shm"}) {
        if (QFile::exists(path + suffix)) {
            ASSERT_TRUE(QFile::rename(path + suffix, path + ".old" + suffix));
        }
    }
    {
        QFile junk(path);
        ASSERT_TRUE(junk.open(QIODevice::WriteOnly));
        junk.write(QByteArray(8192, 'x'));
    }
    page->refresh();
    ASSERT_TRUE(QTest::qWaitFor([&] { return page->problemBanner()->isVisible(); }, 10000));
    bool namesFile = false;
    for (const QLabel* label : page->problemBanner()->findChildren<QLabel*>())
        namesFile |= label->text().contains(path.toHtmlEscaped()) && label->text().contains("damaged");
    EXPECT_TRUE(namesFile);

    QTest::mouseClick(page->moveAsideButton(), Qt::LeftButton);
    ASSERT_TRUE(QTest::qWaitFor([&] { return !page->problemBanner()->isVisible() && page->model()->rowCount() == 0 &&
                                             page->statusLabel()->text().contains("moved"); },
                                10000))
        << page->statusLabel()->text().toStdString();
    const QStringList aside = QDir(QFileInfo(path).absolutePath()).entryList({"history.db.damaged-*"});
    ASSERT_EQ(aside.size(), 1) << aside.join(", ").toStdString();
    QFile moved(QFileInfo(path).absolutePath() + "/" + aside.first());
    ASSERT_TRUE(moved.open(QIODevice::ReadOnly));
    EXPECT_EQ(moved.readAll(), QByteArray(8192, 'x'));  // kept, not overwritten

    // The new history records runs again.
    addRun(s.wb.store(), "after", "train", "{}", "{}", 0.9);
    page->refresh();
    ASSERT_TRUE(QTest::qWaitFor([&] { return page->model()->rowCount() == 1; }, 10000));
    EXPECT_EQ(page->model()->runAt(0)->name, "after");
}

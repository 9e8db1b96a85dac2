#pragma once
// What the technique-page tests (Quantize, Distill, Continual) share: a workbench on a scratch
// history, the Fashion-MNIST folder their end-to-end tests need, a small float model trained
// through the workbench, a publisher of synthetic series, small readers of what a card or a
// chart holds, a technique view checked in the main window, a job run from a page's form, and
// a screenshot of the main window saved where an environment variable says.
#include <gtest/gtest.h>

#include <any>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <QByteArray>
#include <QComboBox>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPixmap>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QWidget>
#include <qcustomplot.h>

#include "core/joblane.h"
#include "core/mainwindow.h"
#include "common/test_data.h"
#include "sparq/engine/train.h"
#include "sparq/profiler/metric_bus.h"
#include "sparq/profiler/sample.h"
#include "common/techniquepage.h"
#include "core/workbench.h"

namespace sparq::test {

/// The JSON object in `json` (a run's summary).
inline QJsonObject toObject(const std::string& json) {
    return QJsonDocument::fromJson(QByteArray::fromStdString(json)).object();
}

/// The colour a label's text is drawn in (a result card's "met" colour).
inline QColor textColor(const QLabel* label) { return label->palette().color(QPalette::WindowText); }

/// A line's x values and y values, in key order.
inline std::vector<double> keys(const QCPGraph* g) {
    std::vector<double> out;
    for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it) out.push_back(it->key);
    return out;
}
inline std::vector<double> values(const QCPGraph* g) {
    std::vector<double> out;
    for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it) out.push_back(it->value);
    return out;
}

/// Publishes samples of one run into a bus as a job does, at times that only go forward (so the
/// history gives a run's series back in the order they were published).
class SeriesPublisher {
public:
    SeriesPublisher(profiler::MetricBus& bus, std::uint32_t run) : bus_(bus), out_(bus.make_producer()), run_(run) {}

    void publish(const std::string& name, std::int64_t step, double value) {
        profiler::Sample s;
        s.run = run_;
        s.series = bus_.series().intern(name);
        s.step = step;
        s.time_ns = (++clock_) * 1000000;
        s.value = value;
        out_.publish(s);
    }
    /// Returns once the bus has delivered everything published.
    void flush() { bus_.flush(); }

private:
    profiler::MetricBus& bus_;
    profiler::Producer out_;
    std::uint32_t run_;
    std::int64_t clock_ = 0;
};

/// A workbench whose history and workspace live in a temporary folder, removed afterwards;
/// its jobs read images from `dataDir` (empty: the engine's default).
struct ScratchWorkbench {
    explicit ScratchWorkbench(const std::string& dataDir = "", double opsWindow = 0.2)
        : wb({tmp.filePath("history.db").toStdString(), dataDir, tmp.filePath("runs").toStdString(), opsWindow}) {}
    QTemporaryDir tmp;
    ui::Workbench wb;
};

/// Shows `window` large enough for every view and waits until it is active.
inline bool showActive(QWidget& window, QSize size = QSize(1400, 1000)) {
    window.resize(size);
    window.show();
    window.activateWindow();
    return QTest::qWaitForWindowActive(&window);
}

/// A lane no job runs, announced by the workbench as if a job of Spec's kind had started (with
/// a default spec): what it is told reaches the pages as a job's reports do.
template <class Spec>
std::unique_ptr<ui::JobLane> announceLane(ui::Workbench& wb) {
    auto lane = std::make_unique<ui::JobLane>(engine::kind_of(Spec{}), QStringLiteral("test"), std::any(Spec{}));
    emit wb.laneStarted(lane.get());
    return lane;
}

/// In a shown main window: Ctrl+<view + 1> brings up technique view `view` (its page `page`),
/// which shows `run`, the newest run of its kind, with the charts drawn from the history; the
/// view before it and back again; and an engine message from a job of Spec's kind lands in the
/// page's log.
template <class Spec>
void expectTechniqueView(ui::MainWindow& window, ui::MainWindow::View view, ui::TechniquePage* page,
                         profiler::RunId run, ui::Workbench& wb, const std::string& message) {
    const auto key = [](int v) { return Qt::Key(Qt::Key_1 + v); };
    QTest::keyClick(&window, key(view), Qt::ControlModifier);
    EXPECT_EQ(window.currentView(), view);
    ASSERT_NE(page, nullptr);
    EXPECT_TRUE(page->isVisible());
    ASSERT_TRUE(QTest::qWaitFor([&] { return page->seriesLoads() > 0; }, 10000));
    EXPECT_EQ(page->shownRun(), run);
    QTest::keyClick(&window, key(view - 1), Qt::ControlModifier);
    EXPECT_EQ(window.currentView(), view - 1);
    QTest::keyClick(&window, key(view), Qt::ControlModifier);
    EXPECT_EQ(window.currentView(), view);

    const int lines = page->logList()->count();
    const auto lane = announceLane<Spec>(wb);
    lane->on_log("info", message);
    ASSERT_TRUE(QTest::qWaitFor([&] { return page->logList()->count() == lines + 1; }, 5000));
    EXPECT_TRUE(page->logList()->item(lines)->text().contains(QString::fromStdString(message)));
}

/// A finished training lane's result, with its end's run, status and error.
inline engine::TrainResult laneResult(const ui::JobLane& lane) {
    engine::TrainResult r;
    if (const auto* done = lane.result<engine::TrainResult>()) r = *done;
    r.run_id = lane.end().run_id;
    r.status = lane.end().status;
    r.error = lane.end().error;
    return r;
}

/// Trains a 784-32-10 MLP for one epoch on 2048 images through the workbench and returns its
/// result (a default one, status Queued, when it did not end within two minutes).
inline engine::TrainResult trainSmallMlp(ui::Workbench& wb) {
    engine::TrainSpec small = engine::load_preset("mlp-fashion");
    engine::set_field(small, "hidden", "32");
    small.epochs = 1;
    small.limit_train = 2048;
    small.limit_test = 256;
    small.threads = 1;
    ui::JobLane* lane = wb.start(small);
    QSignalSpy finished(lane, &ui::JobLane::finished);
    if (!QTest::qWaitFor([&] { return finished.count() > 0; }, 120000)) return {};
    return laneResult(*lane);
}

/// A technique page made after its history recorded a cancelled run and then a completed one,
/// `run`: both are listed, the newest first with `accuracyText` in its label, and `run` is on
/// show, its card filled and its charts drawn from the history. Call through
/// ASSERT_NO_FATAL_FAILURE.
template <typename Page>
void expectPastRunOnShow(Page& page, profiler::RunId run, const QString& accuracyText) {
    ASSERT_TRUE(QTest::qWaitFor([&] { return page.seriesLoads() > 0; }, 10000));
    ASSERT_EQ(page.runCombo()->count(), 2);
    EXPECT_EQ(page.runCombo()->itemData(0).toLongLong(), run);
    EXPECT_TRUE(page.runCombo()->itemText(0).contains(accuracyText)) << page.runCombo()->itemText(0).toStdString();
    EXPECT_TRUE(page.runCombo()->itemText(1).contains("cancelled"));
    EXPECT_EQ(page.shownRun(), run);
    ASSERT_TRUE(page.card()->hasResult());
    EXPECT_TRUE(page.card()->headline()->text().contains(QString("Run %1").arg(run)));
    EXPECT_EQ(page.charts()->run(), run);
    EXPECT_TRUE(page.charts()->showsRecorded());
    EXPECT_TRUE(page.charts()->caption()->text().contains("history"));
}

/// Puts the cancelled run `cancelled` on show: the card says it was cancelled, and its charts
/// are drawn from the history all the same. A run the page does not list cannot be chosen.
template <typename Page>
void expectCancelledRunDrawn(Page& page, profiler::RunId cancelled) {
    const int loads = page.seriesLoads();
    ASSERT_TRUE(page.selectRun(cancelled));
    EXPECT_EQ(page.shownRun(), cancelled);
    EXPECT_FALSE(page.card()->hasResult());
    EXPECT_TRUE(page.card()->headline()->text().contains("cancelled"));
    ASSERT_TRUE(QTest::qWaitFor([&] { return page.seriesLoads() > loads; }, 10000));
    EXPECT_EQ(page.charts()->run(), cancelled);
    EXPECT_FALSE(page.selectRun(cancelled + 100));
}

/// Starts the job that `page`'s form describes with its Start button; while it runs, the
/// workbench runs a job of `kind`, Stop is enabled and `lockedField` of the form is locked. Waits
/// up to `timeoutMs` for it to end completed (into `end`), then until the page shows its run from
/// the history: the card filled and the charts drawn from the stored series. Call through
/// ASSERT_NO_FATAL_FAILURE.
template <typename Page>
void runJobFromTheForm(Page& page, ui::Workbench& wb, ui::Workbench::JobKind kind, const QWidget* lockedField,
                       int timeoutMs, engine::JobEnd& end) {
    ASSERT_TRUE(page.startButton()->isEnabled()) << page.startButton()->toolTip().toStdString();
    page.startButton()->click();
    ASSERT_TRUE(wb.isRunning(kind));
    ui::JobLane* lane = wb.lane(kind);
    ASSERT_NE(lane, nullptr);
    QSignalSpy finished(lane, &ui::JobLane::finished);
    EXPECT_TRUE(page.stopButton()->isEnabled());
    EXPECT_FALSE(lockedField->isEnabled());
    ASSERT_TRUE(QTest::qWaitFor([&] { return finished.count() > 0; }, timeoutMs)) << "the job did not end";
    end = finished.at(0).at(0).template value<engine::JobEnd>();
    ASSERT_EQ(end.status, engine::JobStatus::Completed) << end.error;
    EXPECT_FALSE(wb.isRunning());
    ASSERT_TRUE(QTest::qWaitFor([&] { return page.card()->hasResult() && page.charts()->showsRecorded(); }, 15000));
    EXPECT_EQ(page.shownRun(), end.run_id);
    EXPECT_EQ(page.runCombo()->currentData().toLongLong(), end.run_id);
    EXPECT_EQ(page.charts()->run(), end.run_id);
    EXPECT_TRUE(page.startButton()->isEnabled());
}

/// Grabs `window` and, when the environment variable `pathVariable` names a file, saves it there.
inline void saveScreenshot(QWidget& window, const char* pathVariable) {
    QTest::qWait(100);
    const QPixmap shot = window.grab();
    EXPECT_FALSE(shot.isNull());
    const QByteArray path = qgetenv(pathVariable);
    if (!path.isEmpty()) {
        EXPECT_TRUE(shot.save(QString::fromLocal8Bit(path))) << path.constData();
    }
}

}  // namespace sparq::test


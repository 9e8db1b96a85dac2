// End to end through the GUI (offscreen): set up a short job in the launcher, start it with
// the Start button, watch the live charts fill, and find the finished run in the history.
#include <gtest/gtest.h>


#include <QDir>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QFileInfo>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <qcustomplot.h>

#include "charts/chartfeed.h"
#include "common/test_data.h"
#include "page_test_support.h"
#include "history/historypage.h"
#include "core/joblane.h"
#include "launch/launcherpage.h"
#include "live/livepage.h"
#include "core/mainwindow.h"
#include "charts/metricchartgrid.h"
#include "history/runchartsdialog.h"
#include "history/runtablemodel.h"
#include "sparq/engine/train.h"
#include "core/workbench.h"

using namespace sparq;
using sparq::ui::MetricChartGrid;

namespace {


int slot(const char* series) { return MetricChartGrid::slotOf(series); }

}  // namespace

TEST(LauncherLive, FormValidatesAsYouType) {
    QTemporaryDir tmp;
    ASSERT_TRUE(tmp.isValid());
    ui::Workbench wb({tmp.filePath("history.db").toStdString(), "", tmp.filePath("runs").toStdString()});
    ui::MainWindow window(&wb);
    ui::LauncherPage* launcher = window.launcherPage();
    if (!launcher->selectPreset("mlp-fashion")) GTEST_SKIP() << "preset mlp-fashion not found";

    auto* epochs = qobject_cast<QSpinBox*>(launcher->fieldWidget("epochs"));
    ASSERT_NE(epochs, nullptr);
    EXPECT_TRUE(launcher->isValid());
    EXPECT_TRUE(launcher->startButton()->isEnabled());
    EXPECT_FALSE(launcher->stopButton()->isEnabled());

    epochs->setValue(3);
    EXPECT_EQ(launcher->spec().epochs, 3);

    // Typing a value out of range: the engine's message appears next to the field, in red,
    // and Start is disabled until the value is fixed.
    epochs->selectAll();
    QTest::keyClicks(epochs, "0");
    const QString error = launcher->fieldError("epochs");
    EXPECT_TRUE(error.contains("epochs")) << error.toStdString();
    EXPECT_FALSE(launcher->isValid());
    EXPECT_FALSE(launcher->startButton()->isEnabled());
    auto* label = launcher->findChild<QLabel*>("error_epochs");
    ASSERT_NE(label, nullptr);
    EXPECT_EQ(label->text(), error);
    EXPECT_TRUE(label->styleSheet().contains("#c02020"));
    epochs->selectAll();
    QTest::keyClicks(epochs, "2");
    EXPECT_TRUE(launcher->fieldError("epochs").isEmpty());
    EXPECT_EQ(launcher->spec().epochs, 2);

    // A field outside the short form, set to a bad value, is refused.
    EXPECT_FALSE(launcher->setFieldText("momentum", "7"));
    EXPECT_TRUE(launcher->setFieldText("momentum", "0.5"));
    EXPECT_DOUBLE_EQ(launcher->spec().momentum, 0.5);

    // The learning rate shows without trailing zeros.
    auto* lr = qobject_cast<QDoubleSpinBox*>(launcher->fieldWidget("lr"));
    ASSERT_NE(lr, nullptr);
    EXPECT_TRUE(launcher->setFieldText("lr", "0.0005"));
    EXPECT_EQ(lr->text(), "0.0005");
    EXPECT_DOUBLE_EQ(launcher->spec().lr, 0.0005);
    EXPECT_TRUE(launcher->startButton()->isEnabled());
}

TEST(LauncherLive, RunsAJobFromTheLauncherAndRecordsIt) {
    SPARQ_REQUIRE_FASHION_MNIST();

    QTemporaryDir tmp;
    ASSERT_TRUE(tmp.isValid());
    ui::Workbench wb({tmp.filePath("history.db").toStdString(), sparq::test::fashion_mnist_dir(), tmp.filePath("runs").toStdString()});
    ui::MainWindow window(&wb);
    window.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&window));

    ui::LauncherPage* launcher = window.launcherPage();
    ASSERT_TRUE(launcher->selectPreset("mlp-fashion")) << "preset mlp-fashion not found";
    ASSERT_TRUE(launcher->setFieldText("epochs", "1"));
    ASSERT_TRUE(launcher->setFieldText("limit_train", "512"));
    ASSERT_TRUE(launcher->setFieldText("limit_test", "256"));
    EXPECT_EQ(launcher->spec().epochs, 1);
    EXPECT_EQ(launcher->spec().limit_train, 512);
    EXPECT_EQ(launcher->spec().limit_test, 256);
    ASSERT_TRUE(launcher->startButton()->isEnabled()) << launcher->fieldError("epochs").toStdString();

    QSignalSpy finished(&wb, &ui::Workbench::laneFinished);
    QTest::mouseClick(launcher->startButton(), Qt::LeftButton);
    EXPECT_TRUE(wb.isRunning(ui::Workbench::JobKind::Train));
    EXPECT_FALSE(launcher->startButton()->isEnabled());
    EXPECT_TRUE(launcher->stopButton()->isEnabled());
    EXPECT_EQ(window.currentView(), ui::MainWindow::LiveView);

    MetricChartGrid* grid = window.livePage()->chartGrid();
    QCPGraph* loss = grid->graph(slot(engine::series::kTrainLoss));
    ASSERT_TRUE(QTest::qWaitFor([&] { return finished.count() > 0; }, 120000)) << "the job did not end";
    // The last samples reach the charts on the next timer tick.
    EXPECT_TRUE(QTest::qWaitFor([&] { return loss->dataCount() > 0; }, 5000));

    ASSERT_EQ(finished.count(), 1);
    const ui::JobLane* lane = wb.lane(ui::Workbench::JobKind::Train);
    const qint64 runId = lane->runId();
    EXPECT_GT(runId, 0);
    EXPECT_EQ(lane->device(), "cpu");
    const auto result = sparq::test::laneResult(*lane);
    ASSERT_EQ(result.status, engine::JobStatus::Completed) << result.error;
    EXPECT_EQ(result.device, "cpu");
    EXPECT_EQ(result.run_id, runId);
    EXPECT_EQ(result.epochs, 1);
    EXPECT_FALSE(wb.isRunning());
    EXPECT_TRUE(launcher->startButton()->isEnabled());
    EXPECT_TRUE(window.jobStatusText().contains("completed")) << window.jobStatusText().toStdString();
    EXPECT_EQ(window.livePage()->feed().run(), runId);

    EXPECT_GT(loss->dataCount(), 0);
    EXPECT_TRUE(QTest::qWaitFor(
        [&] { return grid->graph(slot(engine::series::kTestAccuracy))->dataCount() > 0; }, 5000));

    // The history refreshes on its own when the job ends.
    ui::HistoryPage* history = window.historyPage();
    ui::RunTableModel* model = history->model();
    const bool recorded = QTest::qWaitFor(
        [&] {
            const int row = model->rowOf(runId);
            return row >= 0 && model->runAt(row)->status == "completed";
        },
        15000);
    ASSERT_TRUE(recorded) << "run " << runId << " not shown as completed; rows: " << model->rowCount();
    const int row = model->rowOf(runId);
    EXPECT_EQ(model->data(model->index(row, ui::RunTableModel::Status)).toString(), "completed");
    EXPECT_EQ(model->data(model->index(row, ui::RunTableModel::Preset)).toString(), "mlp-fashion");
    EXPECT_FALSE(model->data(model->index(row, ui::RunTableModel::TestAccuracy)).toString().isEmpty());

    // Its charts load from the database.
    window.showView(ui::MainWindow::HistoryView);
    ui::RunChartsDialog* dialog = history->openCharts(row);
    ASSERT_NE(dialog, nullptr);
    ASSERT_TRUE(QTest::qWaitFor([&] { return dialog->isLoaded(); }, 15000));
    EXPECT_GT(dialog->chartGrid()->graph(slot(engine::series::kTrainLoss))->dataCount(), 0);
    dialog->close();
}

TEST(LauncherLive, StopsARunningJobFromTheKeyboard) {
    SPARQ_REQUIRE_FASHION_MNIST();

    QTemporaryDir tmp;
    ASSERT_TRUE(tmp.isValid());
    ui::Workbench wb({tmp.filePath("history.db").toStdString(), sparq::test::fashion_mnist_dir(), tmp.filePath("runs").toStdString()});
    ui::MainWindow window(&wb);
    window.show();
    window.activateWindow();
    ASSERT_TRUE(QTest::qWaitForWindowActive(&window));

    ui::LauncherPage* launcher = window.launcherPage();
    ASSERT_TRUE(launcher->selectPreset("mlp-fashion"));
    ASSERT_TRUE(launcher->setFieldText("epochs", "200"));
    ASSERT_TRUE(launcher->setFieldText("limit_train", "1024"));
    ASSERT_TRUE(launcher->setFieldText("limit_test", "256"));

    QSignalSpy finished(&wb, &ui::Workbench::laneFinished);
    QTest::keyClick(&window, Qt::Key_Return, Qt::ControlModifier);  // start
    ASSERT_TRUE(wb.isRunning());
    ASSERT_TRUE(QTest::qWaitFor([&] { return window.jobStatusText().contains("epoch"); }, 60000))
        << window.jobStatusText().toStdString();

    QTest::keyClick(&window, Qt::Key_Escape);  // stop
    ASSERT_TRUE(QTest::qWaitFor([&] { return finished.count() > 0; }, 60000));
    const auto result = sparq::test::laneResult(*wb.lane(ui::Workbench::JobKind::Train));
    EXPECT_EQ(result.status, engine::JobStatus::Cancelled);
    EXPECT_LT(result.epochs, 200);
    EXPECT_FALSE(wb.isRunning());
    EXPECT_TRUE(window.jobStatusText().contains("cancelled")) << window.jobStatusText().toStdString();

    // Views switch with Ctrl+1/2/3.
    QTest::keyClick(&window, Qt::Key_3, Qt::ControlModifier);
    EXPECT_EQ(window.currentView(), ui::MainWindow::HistoryView);
    QTest::keyClick(&window, Qt::Key_1, Qt::ControlModifier);
    EXPECT_EQ(window.currentView(), ui::MainWindow::LaunchView);
}

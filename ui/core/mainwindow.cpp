#include "core/mainwindow.h"

#include <utility>

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QFrame>
#include <QHBoxLayout>
#include <QKeySequence>
#include <QLabel>
#include <QListWidget>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QStyle>
#include <QToolButton>

#include "continual/continualpage.h"
#include "distill/distillpage.h"
#include "history/historypage.h"
#include "core/joblane.h"
#include "launch/launcherpage.h"
#include "live/livepage.h"
#include "profile/profilepage.h"
#include "quantize/quantizepage.h"
#include "history/runtablemodel.h"
#include "serving/servingpage.h"
#include "sparsity/sparsitypage.h"
#include "core/workbench.h"

namespace sparq::ui {
namespace {

bool persistSettings() { return !QCoreApplication::organizationName().isEmpty(); }

}  // namespace

MainWindow::MainWindow(Workbench* workbench, QWidget* parent)
    : QMainWindow(parent), workbench_(workbench) {
    setWindowTitle(QStringLiteral("Sparq"));
    resize(1280, 860);

    nav_ = new QListWidget(this);
    nav_->setObjectName(QStringLiteral("navigation"));
    nav_->setIconSize(QSize(24, 24));
    nav_->setSpacing(2);
    nav_->setFixedWidth(150);
    nav_->setFrameShape(QFrame::NoFrame);
    struct Entry {
        const char* name;
        QStyle::StandardPixmap icon;
        const char* shortcut;
    };
    const Entry entries[ViewCount] = {
        {QT_TR_NOOP("Launch"), QStyle::SP_MediaPlay, "Ctrl+1"},
        {QT_TR_NOOP("Live"), QStyle::SP_ComputerIcon, "Ctrl+2"},
        {QT_TR_NOOP("History"), QStyle::SP_FileDialogDetailedView, "Ctrl+3"},
        {QT_TR_NOOP("Sparsity"), QStyle::SP_FileDialogContentsView, "Ctrl+4"},
        {QT_TR_NOOP("Quantize"), QStyle::SP_DriveHDIcon, "Ctrl+5"},
        {QT_TR_NOOP("Distill"), QStyle::SP_ArrowDown, "Ctrl+6"},
        {QT_TR_NOOP("Continual"), QStyle::SP_MediaSeekForward, "Ctrl+7"},
        {QT_TR_NOOP("Profile"), QStyle::SP_FileDialogInfoView, "Ctrl+8"},
        {QT_TR_NOOP("Serving"), QStyle::SP_DriveNetIcon, "Ctrl+9"},
    };
    for (const Entry& e : entries) {
        auto* item = new QListWidgetItem(style()->standardIcon(e.icon), tr(e.name), nav_);
        item->setToolTip(tr("%1 (%2)").arg(tr(e.name), QString::fromLatin1(e.shortcut)));
        item->setSizeHint(QSize(0, 40));
    }

    stack_ = new QStackedWidget(this);
    launcher_ = new LauncherPage(workbench_, stack_);
    live_ = new LivePage(workbench_, stack_);
    history_ = new HistoryPage(workbench_, stack_);
    sparsity_ = new SparsityPage(workbench_, stack_);
    quantize_ = new QuantizePage(workbench_, stack_);
    distill_ = new DistillPage(workbench_, stack_);
    continual_ = new ContinualPage(workbench_, stack_);
    profile_ = new ProfilePage(workbench_, stack_);
    serving_ = new ServingPage(workbench_, stack_);
    stack_->addWidget(launcher_);
    stack_->addWidget(live_);
    stack_->addWidget(history_);
    stack_->addWidget(sparsity_);
    stack_->addWidget(quantize_);
    stack_->addWidget(distill_);
    stack_->addWidget(continual_);
    stack_->addWidget(profile_);
    stack_->addWidget(serving_);

    auto* central = new QWidget(this);
    auto* layout = new QHBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(nav_);
    layout->addWidget(stack_, 1);
    setCentralWidget(central);

    connect(nav_, &QListWidget::currentRowChanged, stack_, &QStackedWidget::setCurrentIndex);
    nav_->setCurrentRow(LaunchView);

    jobLabel_ = new QLabel(this);
    jobLabel_->setObjectName(QStringLiteral("jobStatus"));
    deviceLabel_ = new QLabel(tr("Device: %1").arg(workbench_->defaultDevice()), this);
    deviceLabel_->setObjectName(QStringLiteral("deviceStatus"));
    deviceLabel_->setToolTip(tr("Where the running job runs; idle: where a job asking for \"auto\" would run"));
    jobLabel_->setContentsMargins(6, 0, 6, 0);
    deviceLabel_->setContentsMargins(6, 0, 6, 0);
    auto* separator = new QFrame(this);
    separator->setFrameShape(QFrame::VLine);
    separator->setFrameShadow(QFrame::Sunken);
    alertBadge_ = new QToolButton(this);
    alertBadge_->setObjectName(QStringLiteral("alertBadge"));
    alertBadge_->setIcon(style()->standardIcon(QStyle::SP_MessageBoxWarning));
    alertBadge_->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    alertBadge_->setAutoRaise(true);
    alertBadge_->setVisible(false);
    connect(alertBadge_, &QToolButton::clicked, this, [this] { showView(ProfileView); });
    statusBar()->addPermanentWidget(alertBadge_);
    statusBar()->addPermanentWidget(jobLabel_);
    statusBar()->addPermanentWidget(separator);
    statusBar()->addPermanentWidget(deviceLabel_);
    jobLabel_->setText(tr("Idle"));

    createActions();

    connect(workbench_, &Workbench::laneStarted, this, &MainWindow::onLaneStarted);
    connect(workbench_, &Workbench::laneFinished, this, &MainWindow::onLaneFinished);
    connect(workbench_, &Workbench::runningChanged, this, &MainWindow::onRunningChanged);
    connect(launcher_, &LauncherPage::jobStarted, this, [this] { showView(LiveView); });
    connect(sparsity_, &SparsityPage::alertRaised, this, [this](const QString& message) {
        statusBar()->showMessage(tr("Sparsity alert: %1").arg(message), 10000);
    });
    connect(quantize_, &QuantizePage::alertRaised, this, [this](const QString& message) {
        statusBar()->showMessage(tr("Quantization alert: %1").arg(message), 10000);
    });
    connect(history_, &HistoryPage::launchWithSettings, this,
            [this](const engine::TrainSpec& spec, const QString& origin) {
                if (workbench_->isRunning()) return;
                launcher_->loadSpec(spec, origin);
                showView(LaunchView);
            });
    onRunningChanged(workbench_->isRunning());

    if (persistSettings()) {
        QSettings settings;
        restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    }
}

void MainWindow::createActions() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence(QStringLiteral("Ctrl+Q")));
    quit->setShortcutContext(Qt::ApplicationShortcut);

    QMenu* job = menuBar()->addMenu(tr("&Job"));
    // Start runs the job of the page on show: the quantization form on the Quantize view, the
    // distillation form on the Distill view, the continual form on the Continual view, the
    // serving form's policy on the Serving view, the launcher's job everywhere else.
    startAction_ = job->addAction(style()->standardIcon(QStyle::SP_MediaPlay), tr("&Start"), this, [this] {
        if (currentView() == QuantizeView)
            quantize_->startJob();
        else if (currentView() == DistillView)
            distill_->startJob();
        else if (currentView() == ContinualView)
            continual_->startJob();
        else if (currentView() == ServingView)
            serving_->runBench();
        else
            launcher_->startJob();
    });
    startAction_->setShortcuts({QKeySequence(QStringLiteral("Ctrl+Return")),
                                QKeySequence(QStringLiteral("Ctrl+Enter"))});
    stopAction_ = job->addAction(style()->standardIcon(QStyle::SP_MediaStop), tr("S&top"), this, &MainWindow::stopJob);
    stopAction_->setShortcuts({QKeySequence(QStringLiteral("Ctrl+.")), QKeySequence(Qt::Key_Escape)});

    QMenu* view = menuBar()->addMenu(tr("&View"));
    const char* names[ViewCount] = {QT_TR_NOOP("&Launch"), QT_TR_NOOP("L&ive"), QT_TR_NOOP("&History"),
                                    QT_TR_NOOP("&Sparsity"), QT_TR_NOOP("&Quantize"), QT_TR_NOOP("&Distill"),
                                    QT_TR_NOOP("&Continual"), QT_TR_NOOP("&Profile"), QT_TR_NOOP("Ser&ving")};
    for (int v = 0; v < ViewCount; ++v) {
        QAction* a = view->addAction(tr(names[v]), this, [this, v] { showView(v); });
        a->setShortcut(QKeySequence(QStringLiteral("Ctrl+%1").arg(v + 1)));
    }
    view->addSeparator();
    QAction* refresh = view->addAction(style()->standardIcon(QStyle::SP_BrowserReload),
                                       tr("&Refresh history"), history_, &HistoryPage::refresh);
    refresh->setShortcut(QKeySequence(Qt::Key_F5));
}

MainWindow::View MainWindow::currentView() const { return View(stack_->currentIndex()); }

QString MainWindow::jobStatusText() const { return jobLabel_->text(); }

void MainWindow::showView(int view) {
    if (view >= 0 && view < ViewCount) nav_->setCurrentRow(view);
}

void MainWindow::onRunningChanged(bool running) {
    stopAction_->setEnabled(running);
    if (!running) deviceLabel_->setText(tr("Device: %1").arg(workbench_->defaultDevice()));
}

void MainWindow::stopJob() {
    // The view's own job first: Stop on the Quantize view stops the quantization.
    const std::pair<View, engine::JobKind> own[] = {
        {LaunchView, engine::JobKind::Train},      {LiveView, engine::JobKind::Train},
        {SparsityView, engine::JobKind::Train},    {QuantizeView, engine::JobKind::Quantize},
        {DistillView, engine::JobKind::Distill},   {ContinualView, engine::JobKind::Continual},
        {ServingView, engine::JobKind::Serve}};
    for (const auto& [view, kind] : own)
        if (currentView() == view && workbench_->isRunning(kind)) return workbench_->stop(kind);
    const auto lanes = workbench_->runningLanes();
    if (!lanes.empty()) lanes.back()->stop();
}

void MainWindow::onLaneStarted(JobLane* lane) {
    showLaneStatus(lane, tr("starting…"));
    if (lane->kind() != engine::JobKind::Export && lane->kind() != engine::JobKind::Sweep) {
        // A new job: its own alerts from now on.
        firedAlerts_ = 0;
        alertLines_.clear();
        alertBadge_->setVisible(false);
    }
    connect(lane, &JobLane::started, this, [this, lane](qint64, const QString& device) {
        showLaneStatus(lane, tr("starting on %1").arg(device));
    });
    connect(lane, &JobLane::progress, this, [this, lane](const engine::JobProgress& p) {
        QString detail = p.stage.empty() ? QString() : QString::fromStdString(p.stage);
        if (p.epochs > 0) {
            detail += tr(" · epoch %1/%2").arg(p.epoch).arg(p.epochs);
            if (p.samples_per_s > 0) detail += tr(" · %1 samples/s").arg(QLocale().toString(p.samples_per_s, 'f', 0));
        }
        detail += tr(" · %1%").arg(int(p.fraction * 100));
        showLaneStatus(lane, detail);
    });
    connect(lane, &JobLane::alert, this, &MainWindow::onAlert);
}

void MainWindow::showLaneStatus(JobLane* lane, const QString& detail) {
    const auto running = workbench_->runningLanes();
    QString text = lane->runId() > 0 ? tr("Run %1 · %2").arg(lane->runId()).arg(lane->name()) : lane->name();
    if (!detail.isEmpty()) text += QStringLiteral(" · ") + detail;
    if (running.size() > 1) text = tr("%1 jobs · %2").arg(running.size()).arg(text);
    jobLabel_->setText(text);
    if (!lane->device().isEmpty()) deviceLabel_->setText(tr("Device: %1").arg(lane->device()));
}

void MainWindow::onLaneFinished(JobLane* lane) {
    const engine::JobEnd& end = lane->end();
    const qint64 run = end.run_id;
    const QString name = lane->name();
    if (workbench_->isRunning())
        showLaneStatus(workbench_->runningLanes().back(), QString());
    else
        jobLabel_->setText(run > 0 ? tr("Idle · run %1 %2").arg(run).arg(QString::fromUtf8(engine::to_string(end.status)))
                                   : tr("Idle · %1 %2").arg(name, QString::fromUtf8(engine::to_string(end.status))));
    if (end.status == engine::JobStatus::Failed) {
        statusBar()->showMessage(run > 0 ? tr("Run %1 failed").arg(run) : tr("%1 failed").arg(name));
        showJobFailed(run, QString::fromStdString(end.error));
        return;
    }
    if (end.status != engine::JobStatus::Completed) {
        statusBar()->showMessage(run > 0 ? tr("Run %1 %2").arg(run).arg(QString::fromUtf8(engine::to_string(end.status)))
                                         : tr("%1 %2").arg(name, QString::fromUtf8(engine::to_string(end.status))));
        return;
    }
    // What each kind's headline figure is.
    QString figure;
    if (const auto* r = lane->result<engine::TrainResult>())
        figure = tr("test accuracy %1 after %2 epoch(s)").arg(RunTableModel::formatAccuracy(r->test_accuracy)).arg(r->epochs);
    else if (const auto* q = lane->result<engine::QuantizeResult>())
        figure = tr("INT8 test accuracy %1").arg(RunTableModel::formatAccuracy(q->int8_accuracy));
    else if (const auto* d = lane->result<engine::DistillResult>())
        figure = tr("student test accuracy %1").arg(RunTableModel::formatAccuracy(d->student_accuracy));
    else if (const auto* c = lane->result<engine::ContinualResult>())
        figure = tr("EWC test accuracy %1").arg(RunTableModel::formatAccuracy(c->ewc.metrics.average_accuracy));
    else if (lane->kind() == engine::JobKind::Serve)
        figure = tr("%1; its results are in the Serving view").arg(name);
    else
        figure = name;
    statusBar()->showMessage(run > 0 && lane->kind() != engine::JobKind::Export
                                 ? tr("Run %1 completed: %2, %3").arg(run).arg(figure, RunTableModel::formatDuration(end.wall_s))
                                 : tr("%1 completed, %2").arg(figure, RunTableModel::formatDuration(end.wall_s)));
}

void MainWindow::onAlert(const engine::AlertReport& report) {
    constexpr int kTooltipLines = 8;
    const QString message = QString::fromStdString(report.message);
    alertLines_ << tr("Run %1: %2").arg(report.run_id).arg(message);
    while (alertLines_.size() > kTooltipLines) alertLines_.removeFirst();
    if (!report.fired) {
        statusBar()->showMessage(tr("Run %1: %2").arg(report.run_id).arg(message), 8000);
        alertBadge_->setToolTip(alertLines_.join(QLatin1Char('\n')) + tr("\n(click for the Profile view)"));
        return;
    }
    ++firedAlerts_;
    const bool error = report.level == "error";
    alertBadge_->setIcon(style()->standardIcon(error ? QStyle::SP_MessageBoxCritical : QStyle::SP_MessageBoxWarning));
    alertBadge_->setText(firedAlerts_ == 1 ? tr("1 alert") : tr("%1 alerts").arg(firedAlerts_));
    alertBadge_->setToolTip(alertLines_.join(QLatin1Char('\n')) + tr("\n(click for the Profile view)"));
    alertBadge_->setVisible(true);
    statusBar()->showMessage(tr("Alert in run %1 (%2): %3")
                                 .arg(report.run_id)
                                 .arg(QString::fromStdString(report.level), message),
                             15000);
}

void MainWindow::showJobFailed(qint64 runId, const QString& error) {
    // Not modal: a job ending must never hold up the event loop.
    auto* box = new QMessageBox(QMessageBox::Critical, tr("Sparq — job failed"),
                                runId > 0 ? tr("Run %1 failed.").arg(runId) : tr("The job failed."), QMessageBox::Ok,
                                this);
    box->setInformativeText(error);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setModal(false);
    box->show();
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (workbench_->isRunning()) {
        const auto answer = QMessageBox::question(this, tr("Sparq"), tr("A job is running. Stop it and quit?"),
                                                  QMessageBox::Yes | QMessageBox::No, QMessageBox::No);
        if (answer != QMessageBox::Yes) {
            event->ignore();
            return;
        }
        workbench_->stopAll();
    }
    if (persistSettings()) {
        QSettings settings;
        settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    }
    event->accept();
}

}  // namespace sparq::ui

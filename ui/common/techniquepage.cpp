#include "common/techniquepage.h"

#include <QPushButton>
#include <QSplitter>
#include <QVBoxLayout>

#include "core/jobbridge.h"
#include "common/jobcontrolpanel.h"
#include "common/jobform.h"
#include "common/joblogview.h"
#include "common/resultcard.h"
#include "history/runtablemodel.h"
#include "charts/techniquecharts.h"
#include "common/techniquepagelayout.h"

namespace sparq::ui {

TechniquePage::TechniquePage(Workbench* workbench, Workbench::JobKind kind, QWidget* parent)
    : QWidget(parent), workbench_(workbench), kind_(kind) {}

QSplitter* TechniquePage::assemble(Parts parts) {
    form_ = parts.form;
    charts_ = parts.charts;
    card_ = parts.card;
    startTip_ = parts.startTip;
    endDetail_ = parts.endDetail;
    charted_ = std::move(parts.charted);
    const QString prefix = QString::fromStdString(parts.kind);

    auto* column = new QWidget;
    auto* layout = new QVBoxLayout(column);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(form_);
    controls_ = new JobControlPanel(prefix, column);
    layout->addWidget(controls_, 1);
    runs_ = new PastRunPicker(workbench_->dbPath(), parts.kind, parts.runTexts);
    runs_->setObjectName(prefix + QStringLiteral("Runs"));
    QSplitter* split = layOutTechniquePage(this, parts.title, column, charts_, runs_, card_);
    split->setStretchFactor(0, 3);  // the charts above a compact card
    split->setStretchFactor(1, 2);

    connect(controls_->startButton(), &QPushButton::clicked, this, &TechniquePage::startJob);
    connect(controls_->stopButton(), &QPushButton::clicked, this, &TechniquePage::stopJob);
    connect(form_, &JobForm::changed, this, &TechniquePage::updateControls);
    connect(runs_, &PastRunPicker::runChosen, this, &TechniquePage::showRun);
    connect(runs_, &PastRunPicker::refreshed, this, [this] {
        historyLoaded();
        updateControls();
        emit runsRefreshed();
    });
    JobBridge* bridge = workbench_->bridgeOf(kind_);
    connect(bridge, &JobBridge::started, this, &TechniquePage::onStarted);
    connect(bridge, &JobBridge::finished, this, &TechniquePage::onFinished);
    connect(workbench_, &Workbench::runningChanged, this, [this] {
        updateControls();
        if (ownJobRuns()) followLive(workbench_->runOf(kind_));
    });
    updateControls();
    refreshRuns();
    return split;
}

bool TechniquePage::selectRun(qint64 runId) { return runs_->select(runId); }

QComboBox* TechniquePage::runCombo() const { return runs_->combo(); }

QPushButton* TechniquePage::startButton() const { return controls_->startButton(); }

QPushButton* TechniquePage::stopButton() const { return controls_->stopButton(); }

QListWidget* TechniquePage::logList() const { return controls_->log(); }

int TechniquePage::runLoads() const { return runs_->loads(); }

void TechniquePage::refreshRuns() { runs_->refresh(); }

bool TechniquePage::ownJobRuns() const { return workbench_->isRunning() && workbench_->currentKind() == kind_; }

void TechniquePage::updateControls() {
    const bool running = workbench_->isRunning();
    form_->setEditable(!running);
    controls_->setJobState(running, ownJobRuns(), form_->isReady(), form_->isValid() ? startTip_ : form_->error());
}

void TechniquePage::launch(const std::function<void()>& submit, const QString& what) {
    if (workbench_->isRunning() || !form_->isReady()) return;
    if (controls_->launch(submit)) controls_->log()->append(what);
}

void TechniquePage::stopJob() {
    if (ownJobRuns()) workbench_->stop();
}

void TechniquePage::onStarted(qint64 runId, const QString& device) {
    followLive(runId);
    shownRun_ = runId;
    card_->clear(tr("Run %1 is running; its result appears here when it ends.").arg(runId));
    controls_->reportStarted(runId, device);
}

void TechniquePage::onFinished(const engine::TrainResult& result) {
    charts_->drain();
    controls_->reportEnded(result, endDetail_.arg(RunTableModel::formatAccuracy(result.test_accuracy)));
    if (result.status == engine::JobStatus::Failed) {
        card_->clear(tr("Run %1 failed: %2").arg(result.run_id).arg(QString::fromStdString(result.error)));
        shownRun_ = result.run_id;
    }
    runs_->awaitRun(result.run_id);
}

void TechniquePage::showRun(qint64 runId) {
    const JobRun* run = runs_->run(runId);
    if (!run) return;
    shownRun_ = runId;
    if (run->unfinished())
        card_->clear(tr("Run %1 is still running.").arg(runId));
    else
        card_->setSummary(run->summaryObject());
    // While a job runs, the charts stay on it; a finished run on show is not drawn twice.
    const bool drawn = charts_->showsRecorded() && charts_->run() == runId && !run->unfinished();
    if (!ownJobRuns() && !drawn) loadSeries(*run);
}

void TechniquePage::loadSeries(const JobRun& run) {
    seriesTracker_.startJob(
        [path = workbench_->dbPath(), id = run.id, charted = charted_] { return readRunSeries(path, id, charted); },
        [this, run](RunSeries load) {
            if (ownJobRuns()) return;  // a job started meanwhile: its live charts stay
            if (!load.error.isEmpty()) {
                charts_->clear(tr("Could not load the series of run %1: %2").arg(load.run).arg(load.error));
                return;
            }
            drawRecorded(run, load.series);
            ++seriesLoads_;
            emit seriesShown(load.run);
        });
}

}  // namespace sparq::ui

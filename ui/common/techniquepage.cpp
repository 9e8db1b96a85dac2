#include "common/techniquepage.h"

#include <QPushButton>
#include <QSplitter>
#include <QVBoxLayout>

#include "core/joblane.h"

#include <QJsonDocument>
#include <QJsonObject>
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
    accuracyKey_ = parts.accuracyKey;
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
    workbench_->onLanes(kind_, this, &JobLane::started, [this](qint64 run, const QString& device) { onStarted(run, device); });
    workbench_->onLanes(kind_, this, &JobLane::finished, [this](const engine::JobEnd& end) { onFinished(end); });
    connect(workbench_, &Workbench::laneStarted, this, [this](JobLane* lane) {
        if (lane->kind() != kind_) return;
        updateControls();  // the charts follow the job once its run is known (started)
    });
    connect(workbench_, &Workbench::laneFinished, this, [this](JobLane* lane) {
        if (lane->kind() == kind_) updateControls();
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

bool TechniquePage::ownJobRuns() const { return workbench_->isRunning(kind_); }

void TechniquePage::updateControls() {
    const bool running = ownJobRuns();
    form_->setEditable(!running);
    controls_->setJobState(running, form_->isReady(), form_->isValid() ? startTip_ : form_->error());
}

void TechniquePage::launch(const std::function<void()>& submit, const QString& what) {
    if (ownJobRuns() || !form_->isReady()) return;
    if (controls_->launch(submit)) controls_->log()->append(what);
}

void TechniquePage::stopJob() { workbench_->stop(kind_); }

void TechniquePage::onStarted(qint64 runId, const QString& device) {
    followLive(runId);
    shownRun_ = runId;
    card_->clear(tr("Run %1 is running; its result appears here when it ends.").arg(runId));
    controls_->reportStarted(runId, device);
}

void TechniquePage::onFinished(const engine::JobEnd& end) {
    charts_->drain();
    const QJsonObject summary = QJsonDocument::fromJson(QByteArray::fromStdString(end.summary_json)).object();
    const QJsonValue accuracy = summary.value(QString::fromStdString(accuracyKey_));
    controls_->reportEnded(end, accuracy.isDouble() ? endDetail_.arg(RunTableModel::formatAccuracy(accuracy.toDouble()))
                                                    : QString());
    if (end.status == engine::JobStatus::Failed) {
        card_->clear(tr("Run %1 failed: %2").arg(end.run_id).arg(QString::fromStdString(end.error)));
        shownRun_ = end.run_id;
    }
    runs_->awaitRun(end.run_id);
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

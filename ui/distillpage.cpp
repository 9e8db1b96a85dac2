#include "distillpage.h"

#include <exception>
#include <string>
#include <vector>

#include <QPushButton>
#include <QSplitter>
#include <QVBoxLayout>

#include "distillcharts.h"
#include "distillform.h"
#include "distillresultcard.h"
#include "jobbridge.h"
#include "jobcontrolpanel.h"
#include "joblogview.h"
#include "jobprogressbar.h"
#include "modelsourcepicker.h"
#include "pastrunpicker.h"
#include "runtablemodel.h"
#include "sparq/profiler/run_store.h"
#include "techniquepagelayout.h"
#include "workbench.h"

namespace sparq::ui {
namespace {

struct SeriesLoad {
    qint64 run = 0;
    std::vector<profiler::SeriesPoints> series;
    QString error;
};

}  // namespace

DistillPage::DistillPage(Workbench* workbench, QWidget* parent) : QWidget(parent), workbench_(workbench) {
    QWidget* controls = buildControls();
    charts_ = new DistillCharts(workbench_->bus());
    runs_ = new PastRunPicker(workbench_->dbPath(), "distill",
                              {tr("Distillation run:"), tr("student"), tr("1 distillation run"),
                               tr("%1 distillation runs"),
                               tr("Past distillation runs of the history; the chosen one fills the card and the "
                                  "charts")});
    runs_->setObjectName(QStringLiteral("distillRuns"));
    card_ = new DistillResultCard;
    QSplitter* split = layOutTechniquePage(
        this,
        tr("<h2>Distillation</h2>Distil a frozen teacher into a small student in three stages (hint alignment, "
           "logit distillation, adaptive weighting), next to a student trained with logit distillation only and "
           "one trained on the labels alone."),
        controls, charts_, runs_, card_);
    split->setStretchFactor(0, 3);  // four charts above a compact card
    split->setStretchFactor(1, 2);

    connect(runs_, &PastRunPicker::runChosen, this, &DistillPage::showRun);
    connect(runs_, &PastRunPicker::refreshed, this, [this] {
        form_->setTrainedRuns(runs_->trainedRuns());
        updateControls();
        emit runsRefreshed();
    });
    connect(form_, &DistillForm::changed, this, &DistillPage::updateControls);
    connect(charts_, &DistillCharts::stageStarted, this, &DistillPage::onStageStarted);

    JobBridge* bridge = workbench_->distillBridge();
    connect(bridge, &JobBridge::started, this, &DistillPage::onStarted);
    connect(bridge, &JobBridge::progress, controls_->progress(), &JobProgressBar::showProgress);
    connect(bridge, &JobBridge::epoch, this, &DistillPage::onEpoch);
    connect(bridge, &JobBridge::log, this, &DistillPage::onLog);
    connect(bridge, &JobBridge::finished, this, &DistillPage::onFinished);
    connect(workbench_, &Workbench::runningChanged, this, [this] {
        updateControls();
        if (distilling()) charts_->followRun(workbench_->currentDistillRun());
    });
    // A trained run's checkpoint becomes a teacher as soon as the run ends.
    connect(workbench_->bridge(), &JobBridge::finished, this, &DistillPage::refreshRuns);

    updateControls();
    refreshRuns();
}

QWidget* DistillPage::buildControls() {
    auto* column = new QWidget;
    auto* layout = new QVBoxLayout(column);
    layout->setContentsMargins(0, 0, 0, 0);
    form_ = new DistillForm(column);
    layout->addWidget(form_);

    controls_ = new JobControlPanel(QStringLiteral("distill"), column);
    layout->addWidget(controls_, 1);

    connect(controls_->startButton(), &QPushButton::clicked, this, &DistillPage::startJob);
    connect(controls_->stopButton(), &QPushButton::clicked, this, &DistillPage::stopJob);
    return column;
}

engine::DistillSpec DistillPage::spec() const { return form_->spec(); }

bool DistillPage::selectRun(qint64 runId) { return runs_->select(runId); }

QComboBox* DistillPage::runCombo() const { return runs_->combo(); }

QPushButton* DistillPage::startButton() const { return controls_->startButton(); }

QPushButton* DistillPage::stopButton() const { return controls_->stopButton(); }

QListWidget* DistillPage::logList() const { return controls_->log(); }

int DistillPage::runLoads() const { return runs_->loads(); }

void DistillPage::refreshRuns() { runs_->refresh(); }

bool DistillPage::distilling() const {
    return workbench_->isRunning() && workbench_->currentKind() == Workbench::JobKind::Distill;
}

void DistillPage::updateControls() {
    const bool running = workbench_->isRunning();
    form_->setEditable(!running);
    controls_->setJobState(running, distilling(), form_->isValid() && form_->teacher()->hasChoice(),
                           form_->isValid() ? tr("Start the distillation job") : form_->error());
}

void DistillPage::startJob() {
    if (workbench_->isRunning() || !form_->isValid()) return;
    const engine::DistillSpec d = form_->spec();
    if (!controls_->launch([&] { workbench_->startDistill(d); })) return;
    controls_->log()->append(
        tr("distilling %1 into %2 (%3 labelled, %4 seed(s))")
            .arg(d.teacher_checkpoint.empty() ? tr("preset %1").arg(QString::fromStdString(d.teacher_preset))
                                              : QString::fromStdString(d.teacher_checkpoint),
                 QString::fromStdString(d.student_preset))
            .arg(d.labelled)
            .arg(d.seeds));
}

void DistillPage::stopJob() {
    if (distilling()) workbench_->stop();
}

void DistillPage::onStarted(qint64 runId, const QString& device) {
    charts_->followRun(runId);
    shownRun_ = runId;
    card_->clear(tr("Run %1 is running; its result appears here when it ends.").arg(runId));
    controls_->reportStarted(runId, device);
}

void DistillPage::onEpoch(const engine::EpochReport& r) {
    controls_->log()->append(
        tr("teacher, epoch %1: test accuracy %2").arg(r.epoch).arg(RunTableModel::formatAccuracy(r.test_accuracy)));
}

void DistillPage::onLog(const QString& level, const QString& message) {
    controls_->log()->appendEngineLog(level, message);
    // The students report no progress of their own: the engine's last word says what runs.
    if (level == QLatin1String("info") && distilling()) controls_->progress()->showBusy(message);
}

void DistillPage::onStageStarted(int stage, double step) {
    if (!distilling()) return;
    controls_->log()->append(tr("stage %1 from step %2").arg(stage).arg(qint64(step)));
    controls_->progress()->showBusy(tr("three-stage student · stage %1").arg(stage));
}

void DistillPage::onFinished(const engine::TrainResult& result) {
    charts_->drain();
    controls_->reportEnded(result, tr("student test accuracy %1").arg(RunTableModel::formatAccuracy(result.test_accuracy)));
    if (result.status == engine::JobStatus::Failed) {
        card_->clear(tr("Run %1 failed: %2").arg(result.run_id).arg(QString::fromStdString(result.error)));
        shownRun_ = result.run_id;
    }
    runs_->awaitRun(result.run_id);
}

void DistillPage::showRun(qint64 runId) {
    const JobRun* run = runs_->run(runId);
    if (!run) return;
    shownRun_ = runId;
    if (run->unfinished())
        card_->clear(tr("Run %1 is still running.").arg(runId));
    else
        card_->setSummary(run->summaryObject());
    // While a job distils, the charts stay on it; a finished run on show is not drawn twice.
    const bool drawn = charts_->showsRecorded() && charts_->run() == runId && !run->unfinished();
    if (!distilling() && !drawn) loadSeries(runId);
}

void DistillPage::loadSeries(qint64 runId) {
    seriesTracker_.startJob(
        [path = workbench_->dbPath(), runId] {
            SeriesLoad out;
            out.run = runId;
            try {
                profiler::RunReader reader(path);
                out.series = reader.load_series(runId, DistillCharts::watchedSeries());
            } catch (const std::exception& e) {
                out.error = QString::fromUtf8(e.what());
            }
            return out;
        },
        [this](SeriesLoad load) {
            if (distilling()) return;  // a job started meanwhile: its live charts stay
            if (!load.error.isEmpty()) {
                charts_->clear(tr("Could not load the series of run %1: %2").arg(load.run).arg(load.error));
                return;
            }
            charts_->showRecorded(load.run, load.series);
            ++seriesLoads_;
            emit seriesShown(load.run);
        });
}

}  // namespace sparq::ui

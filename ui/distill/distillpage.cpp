#include "distill/distillpage.h"

#include <algorithm>
#include <string>

#include "distill/distillcharts.h"
#include "distill/distillform.h"
#include "distill/distillresultcard.h"
#include "core/joblane.h"
#include "common/jobcontrolpanel.h"
#include "common/joblogview.h"
#include "common/jobprogressbar.h"
#include "history/runtablemodel.h"

namespace sparq::ui {

DistillPage::DistillPage(Workbench* workbench, QWidget* parent)
    : TechniquePage(workbench, Workbench::JobKind::Distill, parent) {
    form_ = new DistillForm;
    charts_ = new DistillCharts(workbench->bus());
    card_ = new DistillResultCard;
    assemble({"distill",
              tr("<h2>Distillation</h2>Distil a frozen teacher into a small student in three stages (hint alignment, "
                 "logit distillation, adaptive weighting), next to a student trained with logit distillation only and "
                 "one trained on the labels alone."),
              form_,
              charts_,
              card_,
              {tr("Distillation run:"), tr("student"), tr("1 distillation run"), tr("%1 distillation runs"),
               tr("Past distillation runs of the history; the chosen one fills the card and the charts")},
              tr("Start the distillation job"),
              tr("student test accuracy %1"),
              "student_accuracy",
              [](const std::string& name) {
                  const auto& watched = DistillCharts::watchedSeries();
                  return std::find(watched.begin(), watched.end(), name) != watched.end();
              }});

    connect(charts_, &DistillCharts::stageStarted, this, &DistillPage::onStageStarted);
    using Kind = engine::JobKind;
    workbench->onLanes(Kind::Distill, this, &JobLane::progress,
                       [this](const engine::JobProgress& p) { controls()->progress()->showProgress(p); });
    workbench->onLanes(Kind::Distill, this, &JobLane::epoch, [this](const engine::EpochReport& r) { onEpoch(r); });
    workbench->onLanes(Kind::Distill, this, &JobLane::log,
                       [this](const QString& level, const QString& message) { onLog(level, message); });
    // A trained run's checkpoint becomes a teacher as soon as the run ends.
    workbench->onLanes(Kind::Train, this, &JobLane::finished, [this] { refreshRuns(); });
}

engine::DistillSpec DistillPage::spec() const { return form_->spec(); }

void DistillPage::followLive(qint64 runId) { charts_->followRun(runId); }

void DistillPage::drawRecorded(const JobRun& run, const std::vector<profiler::SeriesPoints>& series) {
    charts_->showRecorded(run.id, series);
}

void DistillPage::historyLoaded() { form_->setTrainedRuns(runs()->trainedRuns()); }

void DistillPage::startJob() {
    const engine::DistillSpec d = form_->spec();
    launch([&] { workbench()->start(d); },
           tr("distilling %1 into %2 (%3 labelled, %4 seed(s))")
               .arg(d.teacher_checkpoint.empty() ? tr("preset %1").arg(QString::fromStdString(d.teacher_preset))
                                                 : QString::fromStdString(d.teacher_checkpoint),
                    QString::fromStdString(d.student_preset))
               .arg(d.labelled)
               .arg(d.seeds));
}

void DistillPage::onEpoch(const engine::EpochReport& r) {
    controls()->log()->append(
        tr("teacher, epoch %1: test accuracy %2").arg(r.epoch).arg(RunTableModel::formatAccuracy(r.test_accuracy)));
}

void DistillPage::onLog(const QString& level, const QString& message) {
    controls()->log()->appendEngineLog(level, message);
}

void DistillPage::onStageStarted(int stage, double step) {
    if (!ownJobRuns()) return;
    controls()->log()->append(tr("stage %1 from step %2").arg(stage).arg(qint64(step)));
}

}  // namespace sparq::ui

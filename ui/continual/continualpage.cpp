#include "continual/continualpage.h"

#include <algorithm>

#include <QJsonObject>

#include "continual/continualcharts.h"
#include "continual/continualform.h"
#include "continual/continualresultcard.h"
#include "core/joblane.h"
#include "common/jobcontrolpanel.h"
#include "common/joblogview.h"
#include "common/jobprogressbar.h"

namespace sparq::ui {
namespace {

const char* const kMethodLabels[] = {QT_TR_NOOP("EWC"), QT_TR_NOOP("fine-tuning"), QT_TR_NOOP("joint training")};

}  // namespace

ContinualPage::ContinualPage(Workbench* workbench, QWidget* parent)
    : TechniquePage(workbench, Workbench::JobKind::Continual, parent) {
    form_ = new ContinualForm;
    charts_ = new ContinualCharts(workbench->bus());
    card_ = new ContinualResultCard;
    assemble({"continual",
              tr("<h2>Continual learning</h2>Learn tasks one after another without forgetting the earlier ones: "
                 "Elastic Weight Consolidation holds the weights each task needed (by their Fisher information), "
                 "next to the same network fine-tuned without protection."),
              form_,
              charts_,
              card_,
              {tr("Continual run:"), tr("EWC"), tr("1 continual run"), tr("%1 continual runs"),
               tr("Past continual-learning runs of the history; the chosen one fills the card and the charts")},
              tr("Start the continual-learning job"),
              tr("EWC average accuracy %1"),
              "ewc_average_accuracy",
              &ContinualCharts::isCharted});

    using Kind = engine::JobKind;
    workbench->onLanes(Kind::Continual, this, &JobLane::progress, [this](const engine::JobProgress& p) { onProgress(p); });
    workbench->onLanes(Kind::Continual, this, &JobLane::log, [this](const QString& level, const QString& message) {
        controls()->log()->appendEngineLog(level, message);
    });
}

engine::ContinualSpec ContinualPage::spec() const { return form_->spec(); }

void ContinualPage::followLive(qint64 runId) {
    const engine::ContinualSpec s = workbench()->specOf<engine::ContinualSpec>();
    charts_->followRun(runId, s.tasks, s.baseline != "none");
}

void ContinualPage::drawRecorded(const JobRun& run, const std::vector<profiler::SeriesPoints>& series) {
    // The run's own spec says its size and whether fine-tuning ran beside EWC.
    const QJsonObject config = parseJsonObject(run.config);
    charts_->showRecorded(run.id, config.value(QStringLiteral("tasks")).toInt(),
                          config.value(QStringLiteral("baseline")).toString() != QLatin1String("none"), series);
}

void ContinualPage::startJob() {
    const engine::ContinualSpec s = form_->spec();
    launch([&] { workbench()->start(s); },
           tr("learning %1 %2 tasks with EWC (lambda %3), baseline %4")
               .arg(s.tasks)
               .arg(QString::fromStdString(s.scenario))
               .arg(s.lambda)
               .arg(QString::fromStdString(s.baseline)));
}

void ContinualPage::onProgress(const engine::JobProgress& p) {
    // The engine counts one method's epochs (one epoch of one task each); the methods run one
    // after another, and the stage names the one running.
    const engine::ContinualSpec s = workbench()->specOf<engine::ContinualSpec>();
    const int method = p.stage == "finetune" ? 1 : p.stage == "joint" ? 2 : 0;
    const int task = (std::max(1, p.epoch) - 1) / std::max(1, s.epochs_per_task) + 1;
    controls()->progress()->showCount(qint64(p.fraction * 1000.0), 1000,
                                      tr("%1 · task %2/%3 · loss %4")
                                          .arg(tr(kMethodLabels[method]))
                                          .arg(task)
                                          .arg(s.tasks)
                                          .arg(p.loss, 0, 'f', 4));
}

}  // namespace sparq::ui

#include "continual/continualresultcard.h"

#include <algorithm>

#include <QJsonArray>
#include <QLabel>
#include <QLocale>

#include "history/runtablemodel.h"

namespace sparq::ui {
namespace {

QJsonValue field(const QJsonObject& s, const QString& prefix, const char* key) {
    return s.value(prefix + QLatin1Char('_') + QLatin1String(key));
}

}  // namespace

ContinualResultCard::ContinualResultCard(QWidget* parent)
    : ResultCard(tr("EWC vs fine-tuning"),
                 {tr("EWC"), tr("Fine-tuning (no protection)"), tr("Joint training (upper bound)")},
                 {tr("Average accuracy"), tr("Retention"), tr("Backward transfer"), tr("Max forgetting"),
                  tr("Over fine-tuning")},
                 QStringLiteral("continualCard"), parent) {
    setObjectName(QStringLiteral("continualResultCard"));
    columnHead(AverageAccuracy)->setToolTip(tr("Mean test accuracy over all tasks after the last one"));
    columnHead(Retention)
        ->setToolTip(tr("Average accuracy as a share of the mean accuracy on each task just after it was learned "
                        "(target for EWC: at least %1)")
                         .arg(formatPercent(kRetentionTarget)));
    columnHead(BackwardTransfer)
        ->setToolTip(tr("Mean change of each earlier task's accuracy from just after it was learned to the end"));
    columnHead(MaxForgetting)
        ->setToolTip(tr("The largest drop of any task from its best accuracy to its accuracy at the end"));
    columnHead(OverFinetune)
        ->setToolTip(tr("Average accuracy minus that of fine-tuning (target for EWC: at least %1)")
                         .arg(formatPoints(kGainTarget)));
    emphasizeColumn(AverageAccuracy);
    clear(tr("No continual run on show. Start one above, or pick a past run."));
}

void ContinualResultCard::clear(const QString& message) {
    filled_ = finetune_ = joint_ = retentionMet_ = gainMet_ = false;
    blank(message);
    markMet(headline(), false);
}

void ContinualResultCard::setMethodRow(Row row, const QJsonObject& s, const QString& prefix) {
    cell(row, AverageAccuracy)->setText(RunTableModel::formatAccuracy(field(s, prefix, "average_accuracy").toDouble()));
    cell(row, Retention)->setText(formatPercent(field(s, prefix, "retention").toDouble()));
    cell(row, Retention)
        ->setToolTip(tr("Just after each task: %1 on average")
                         .arg(RunTableModel::formatAccuracy(field(s, prefix, "just_trained_average").toDouble())));
    const QJsonArray forgetting = field(s, prefix, "forgetting").toArray();
    if (forgetting.isEmpty()) return;  // one task: nothing to forget, nothing to transfer
    cell(row, BackwardTransfer)->setText(formatPoints(field(s, prefix, "backward_transfer").toDouble()));
    int worst = 0;
    QStringList perTask;
    for (int j = 0; j < forgetting.size(); ++j) {
        if (forgetting[j].toDouble() > forgetting[worst].toDouble()) worst = j;
        perTask << tr("task %1: %2").arg(j + 1).arg(forgetting[j].toDouble() * 100.0, 0, 'f', 2);
    }
    cell(row, MaxForgetting)
        ->setText(tr("%1 points (task %2)").arg(forgetting[worst].toDouble() * 100.0, 0, 'f', 2).arg(worst + 1));
    cell(row, MaxForgetting)->setToolTip(tr("Forgetting in points, %1").arg(perTask.join(QStringLiteral("; "))));
}

bool ContinualResultCard::setSummary(const QJsonObject& s) {
    if (!hasCompletedResult(s, "ewc_average_accuracy")) {
        clear(noResultMessage(s, tr("Run %1 was cancelled before every method learned every task.")));
        return false;
    }
    clear(QString());
    finetune_ = s.value(QStringLiteral("finetune_average_accuracy")).isDouble();
    joint_ = s.value(QStringLiteral("joint_average_accuracy")).isDouble();
    setMethodRow(Ewc, s, QStringLiteral("ewc"));
    const double ewc = s.value(QStringLiteral("ewc_average_accuracy")).toDouble();
    const double finetune = s.value(QStringLiteral("finetune_average_accuracy")).toDouble();
    for (const auto& [row, shown, prefix] : {std::tuple{Finetune, finetune_, QStringLiteral("finetune")},
                                             std::tuple{Joint, joint_, QStringLiteral("joint")}}) {
        if (shown) {
            setMethodRow(row, s, prefix);
        } else {
            cell(row, AverageAccuracy)->setText(tr("not trained"));
            cell(row, AverageAccuracy)->setToolTip(tr("This run was started without this baseline"));
        }
    }
    if (finetune_) {
        cell(Ewc, OverFinetune)->setText(formatPoints(ewc - finetune));
        if (joint_)
            cell(Joint, OverFinetune)
                ->setText(formatPoints(s.value(QStringLiteral("joint_average_accuracy")).toDouble() - finetune));
    }
    retentionMet_ = s.value(QStringLiteral("ewc_retention")).toDouble() >= kRetentionTarget;
    markMet(cell(Ewc, Retention), retentionMet_);
    gainMet_ = finetune_ && ewc - finetune >= kGainTarget;
    if (finetune_) markMet(cell(Ewc, OverFinetune), gainMet_);

    const double gamma = s.value(QStringLiteral("online_gamma")).toDouble();
    const QString verdict = !finetune_ ? tr("no fine-tuning to compare with")
                            : meetsTargets() ? tr("targets met")
                                             : tr("targets not met");
    headline()->setText(tr("<b>Run %1</b> · %2, %3 tasks · λ = %4%5 · %6 parameters · %7")
                            .arg(s.value(QStringLiteral("run_id")).toInteger())
                            .arg(s.value(QStringLiteral("scenario")).toString())
                            .arg(s.value(QStringLiteral("tasks")).toInt())
                            .arg(QLocale().toString(s.value(QStringLiteral("lambda")).toDouble(), 'g', 6))
                            .arg(gamma > 0 ? tr(" (online, γ = %1)").arg(gamma) : QString())
                            .arg(QLocale().toString(s.value(QStringLiteral("params")).toInteger()))
                            .arg(verdict));
    markMet(headline(), meetsTargets());
    footer()->setText(tr("Targets: EWC retention at least %1 and at least %2 over fine-tuning · %3 s")
                          .arg(formatPercent(kRetentionTarget), formatPoints(kGainTarget))
                          .arg(s.value(QStringLiteral("wall_s")).toDouble(), 0, 'f', 1));
    filled_ = true;
    return true;
}

}  // namespace sparq::ui

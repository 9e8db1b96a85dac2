#include "distill/distillresultcard.h"

#include <QLabel>
#include <QLocale>

#include "history/runtablemodel.h"

namespace sparq::ui {
namespace {

double number(const QJsonObject& s, const char* key) { return s.value(QLatin1String(key)).toDouble(); }

}  // namespace

DistillResultCard::DistillResultCard(QWidget* parent)
    : ResultCard(tr("Teacher vs students"),
                 {tr("Teacher"), tr("Student, three stages"), tr("Student, logit distillation only"),
                  tr("Student, labels only")},
                 {tr("Test accuracy"), tr("Parameters"), tr("Of the teacher"), tr("Over labels only")},
                 QStringLiteral("distillCard"), parent) {
    setObjectName(QStringLiteral("distillResultCard"));
    columnHead(OfTeacher)->setToolTip(tr("Test accuracy as a share of the teacher's (target for the three-stage "
                                         "student: at least %1)")
                                          .arg(formatPercent(kRatioTarget)));
    columnHead(OverAlone)->setToolTip(tr("Test accuracy minus that of the student trained on the labels alone "
                                         "(target for the three-stage student: at least %1)")
                                          .arg(formatPoints(kGainTarget)));
    emphasizeColumn(OfTeacher);
    clear(tr("No distillation run on show. Start one above, or pick a past run."));
}

void DistillResultCard::clear(const QString& message) {
    filled_ = baselines_ = ratioMet_ = gainMet_ = false;
    blank(message);
}

void DistillResultCard::setModelRow(Row row, const QJsonObject& s, const char* accuracyKey, const char* paramsKey) {
    QString accuracy = RunTableModel::formatAccuracy(number(s, accuracyKey));
    const QJsonValue spread = s.value(QLatin1String(accuracyKey) + QStringLiteral("_std"));
    if (spread.isDouble()) accuracy += QStringLiteral(" ± %1").arg(spread.toDouble() * 100.0, 0, 'f', 2);
    cell(row, Accuracy)->setText(accuracy);
    const qint64 params = s.value(QLatin1String(paramsKey)).toInteger();
    cell(row, Params)->setText(QLocale().toString(params));
    const double teacher = number(s, "teacher_accuracy");
    if (row != Teacher && teacher > 0)
        cell(row, OfTeacher)->setText(formatPercent(number(s, accuracyKey) / teacher));
    if (baselines_ && row != Alone)
        cell(row, OverAlone)->setText(formatPoints(number(s, accuracyKey) - number(s, "student_alone_accuracy")));
}

bool DistillResultCard::setSummary(const QJsonObject& s) {
    if (!hasCompletedResult(s, "student_accuracy")) {
        clear(noResultMessage(s, tr("Run %1 was cancelled before its students were measured.")));
        return false;
    }
    clear(QString());
    // A job without baselines reports both of their accuracies as 0.
    baselines_ = number(s, "logit_only_accuracy") > 0 || number(s, "student_alone_accuracy") > 0;
    setModelRow(Teacher, s, "teacher_accuracy", "teacher_params");
    setModelRow(ThreeStage, s, "student_accuracy", "student_params");
    if (baselines_) {
        setModelRow(LogitOnly, s, "logit_only_accuracy", "student_params");
        setModelRow(Alone, s, "student_alone_accuracy", "student_params");
    } else {
        for (Row row : {LogitOnly, Alone}) {
            cell(row, Accuracy)->setText(tr("not trained"));
            cell(row, Accuracy)->setToolTip(tr("This job ran without baselines"));
        }
    }
    ratioMet_ = number(s, "ratio") >= kRatioTarget;
    markMet(cell(ThreeStage, OfTeacher), ratioMet_);
    if (baselines_) {
        gainMet_ = number(s, "student_accuracy") - number(s, "student_alone_accuracy") >= kGainTarget;
        markMet(cell(ThreeStage, OverAlone), gainMet_);
    }
    const qint64 teacherParams = s.value(QStringLiteral("teacher_params")).toInteger();
    const qint64 studentParams = s.value(QStringLiteral("student_params")).toInteger();
    if (teacherParams > 0)
        cell(ThreeStage, Params)->setToolTip(tr("%1× the teacher's").arg(double(studentParams) / double(teacherParams), 0, 'f', 2));

    const QLocale locale;
    const int seeds = s.value(QStringLiteral("seeds")).toInt(1);
    headline()->setText(tr("<b>Run %1</b> · %2 labelled images · %3 · %4 optimizer steps per student")
                            .arg(s.value(QStringLiteral("run_id")).toInteger())
                            .arg(locale.toString(s.value(QStringLiteral("labelled")).toInteger()),
                                 seeds == 1 ? tr("1 seed") : tr("%1 seeds (mean ± std)").arg(seeds),
                                 locale.toString(s.value(QStringLiteral("steps")).toInteger())));
    QString text = baselines_ ? tr("Gap recovered %1: the three-stage student's lead over the student alone, as a "
                                     "share of the teacher's")
                                      .arg(formatPercent(number(s, "gap_recovered")))
                                : tr("No baselines, so no gap recovered");
    text += tr(" · %1 s").arg(number(s, "wall_s"), 0, 'f', 1);
    footer()->setText(text);
    filled_ = true;
    return true;
}

}  // namespace sparq::ui

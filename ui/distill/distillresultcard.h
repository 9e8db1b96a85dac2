#pragma once
// DistillResultCard: a distillation run's outcome from its summary (engine::to_json(
// DistillResult)): the teacher, the three-stage student and the two baselines (logit
// distillation only; labels only) with their test accuracy (mean ± std over seeds),
// parameters, share of the teacher's accuracy, and lead over the student trained on labels
// alone; the gap recovered below. Values that meet Sparq's targets are drawn in the met colour.
#include <QJsonObject>
#include <QString>

#include "common/resultcard.h"

class QLabel;

namespace sparq::ui {

class DistillResultCard : public ResultCard {
    Q_OBJECT
public:
    enum Row { Teacher, ThreeStage, LogitOnly, Alone, RowCount };
    enum Column { Accuracy, Params, OfTeacher, OverAlone, ColumnCount };

    /// Targets of issue 5: the student keeps >= 96 % of the teacher's accuracy, and
    /// distillation beats the student alone by >= 2 points (with few labels).
    static constexpr double kRatioTarget = 0.96;
    static constexpr double kGainTarget = 0.02;

    explicit DistillResultCard(QWidget* parent = nullptr);

    bool setSummary(const QJsonObject& summary) override;
    void clear(const QString& message) override;

    bool hasResult() const { return filled_; }
    /// False when the run trained no baselines.
    bool showsBaselines() const { return baselines_; }
    QLabel* cell(Row row, Column column) const { return cellAt(row, column); }
    /// Whether the three-stage student met the ratio target, and the gain target.
    bool ratioMeetsTarget() const { return ratioMet_; }
    bool gainMeetsTarget() const { return gainMet_; }

private:
    void setModelRow(Row row, const QJsonObject& s, const char* accuracyKey, const char* paramsKey);

    bool filled_ = false;
    bool baselines_ = false;
    bool ratioMet_ = false;
    bool gainMet_ = false;
};

}  // namespace sparq::ui

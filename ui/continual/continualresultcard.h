#pragma once
// ContinualResultCard: a continual-learning run's outcome from its summary (engine::to_json(
// ContinualResult)): EWC beside plain fine-tuning (and joint training, the upper bound, when
// the run trained it) with the average accuracy over all tasks after the last one, retention
// (that average over the average just after each task was learned), backward transfer, the
// largest forgetting of any task, and the lead over fine-tuning; lambda in the headline.
// Values that meet the targets of issue 8 are drawn in the met colour.
#include <QJsonObject>
#include <QString>

#include "common/resultcard.h"

class QLabel;

namespace sparq::ui {

class ContinualResultCard : public ResultCard {
    Q_OBJECT
public:
    enum Row { Ewc, Finetune, Joint, RowCount };
    enum Column { AverageAccuracy, Retention, BackwardTransfer, MaxForgetting, OverFinetune, ColumnCount };

    /// Targets of issue 8: EWC keeps >= 85 % of what it learned and beats fine-tuning by
    /// >= 15 points of average accuracy.
    static constexpr double kRetentionTarget = 0.85;
    static constexpr double kGainTarget = 0.15;

    explicit ContinualResultCard(QWidget* parent = nullptr);

    bool setSummary(const QJsonObject& summary) override;
    void clear(const QString& message) override;

    bool hasResult() const { return filled_; }
    bool showsFinetune() const { return finetune_; }
    bool showsJoint() const { return joint_; }
    QLabel* cell(Row row, Column column) const { return cellAt(row, column); }
    bool retentionMeetsTarget() const { return retentionMet_; }
    bool gainMeetsTarget() const { return gainMet_; }
    /// Both targets met: the headline's verdict is drawn in the met colour.
    bool meetsTargets() const { return retentionMet_ && gainMet_; }

private:
    /// Fills a method's row from the keys starting with `prefix` ("ewc", "finetune", "joint").
    void setMethodRow(Row row, const QJsonObject& s, const QString& prefix);

    bool filled_ = false;
    bool finetune_ = false;
    bool joint_ = false;
    bool retentionMet_ = false;
    bool gainMet_ = false;
};

}  // namespace sparq::ui

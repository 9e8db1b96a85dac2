#pragma once
// ResultCard: the frame of a job's result card on a technique page: a bold title, a headline
// (or a message while there is no result), a grid of value cells with row and column heads,
// and a grey footer. A cell that meets Sparq's target for it is drawn in the "met" colour.
// QuantComparisonCard, DistillResultCard and ContinualResultCard fill it from a run's summary JSON.
#include <vector>

#include <QColor>
#include <QFrame>
#include <QJsonObject>
#include <QString>
#include <QStringList>

class QLabel;

namespace sparq::ui {

class ResultCard : public QFrame {
    Q_OBJECT
public:
    /// Text colour of a value that meets its target.
    static QColor targetMetColor() { return QColor(26, 127, 55); }

    /// `rowHeads` and `columnHeads` name the grid; child object names start with `namePrefix`
    /// ("<prefix>Headline", "<prefix>Footer", "<prefix>Cell_<row>_<column>").
    ResultCard(const QString& title, const QStringList& rowHeads, const QStringList& columnHeads,
               const QString& namePrefix, QWidget* parent = nullptr);

    /// Fills the card from a run's summary JSON. A summary without a result (a failed or
    /// cancelled run) blanks the card with a line saying so and returns false.
    virtual bool setSummary(const QJsonObject& summary) = 0;
    /// Blanks the card and shows `message` instead of the headline.
    virtual void clear(const QString& message) = 0;

    QLabel* headline() const { return headline_; }
    QLabel* footer() const { return footer_; }
    QLabel* columnHead(int column) const { return columnHeads_[std::size_t(column)]; }
    QLabel* cellAt(int row, int column) const { return cells_[std::size_t(row)][std::size_t(column)]; }

protected:
    /// A share as a percentage with two decimals ("94.96 %"); it may pass 100.
    static QString formatPercent(double fraction);
    /// A difference of two accuracies in percentage points, signed ("+2.62 points", "−0.55 points").
    static QString formatPoints(double difference);
    /// True when the summary is of a completed run and holds `key`.
    static bool hasCompletedResult(const QJsonObject& summary, const char* key);
    /// What to say instead of a result: `cancelledText` (its %1 the run) for a cancelled run,
    /// the error for a failed one, else that there is no result yet.
    static QString noResultMessage(const QJsonObject& summary, const QString& cancelledText);

    /// Bold values in a column (the one that says what the result means).
    void emphasizeColumn(int column);
    /// Dashes in every cell (no tooltip, no colour), `message` as the headline, no footer.
    void blank(const QString& message);
    /// Shows or hides a column, its head included.
    void setColumnVisible(int column, bool visible);
    /// Draws `label` in the met colour when `met`, in the normal one otherwise.
    void markMet(QLabel* label, bool met);

private:
    QLabel* headline_ = nullptr;
    QLabel* footer_ = nullptr;
    std::vector<QLabel*> columnHeads_;
    std::vector<std::vector<QLabel*>> cells_;
};

}  // namespace sparq::ui

#pragma once
// ParetoChart: the runs as points over any two measures — accuracy, latency, size, active
// parameters, or any numeric summary field — with the frontier (no other run is at least as
// good on both and better on one) drawn as a line through its runs (ParetoPlot). Each axis
// says whether higher or lower is better; the named measures know, the user can flip it.
// Hovering a point names its run.
#include <optional>
#include <vector>

#include <QWidget>

#include "history/runnumbers.h"

class QCheckBox;
class QComboBox;
class QCustomPlot;
class QLabel;

namespace sparq::ui {

class ParetoPlot;

class ParetoChart : public QWidget {
    Q_OBJECT
public:
    explicit ParetoChart(QWidget* parent = nullptr);

    /// Plots these runs (those with both values); `numbers` holds their numeric leaves (kept,
    /// so another pair of fields can be drawn later); `caption` says which runs these are.
    void setRuns(const std::vector<const profiler::RunRecord*>& runs, SharedRunNumbers numbers,
                 const QString& caption);
    /// Chooses the measures by field id ("@accuracy", "summary.step_ms"); false when one is not
    /// on offer. The direction becomes the field's own.
    bool setFields(const QString& xId, const QString& yId);
    void setHigherIsBetter(bool x, bool y);

    /// The runs plotted, and those on the frontier (ascending x).
    const std::vector<profiler::RunId>& plottedRuns() const { return plotted_; }
    const std::vector<profiler::RunId>& frontRuns() const { return front_; }

    QCustomPlot* plot() const;
    QComboBox* xCombo() const { return xCombo_; }
    QComboBox* yCombo() const { return yCombo_; }
    QCheckBox* xHigherCheck() const { return xHigher_; }
    QCheckBox* yHigherCheck() const { return yHigher_; }

private:
    struct Run {
        profiler::RunId id = 0;
        QString name;
        std::optional<double> accuracy;
    };
    void fillCombos();
    void fieldChosen(QComboBox* combo, QCheckBox* higher);
    void redraw();

    std::vector<Run> runs_;
    SharedRunNumbers numbers_;
    std::vector<RunField> fields_;
    std::vector<profiler::RunId> plotted_;
    std::vector<profiler::RunId> front_;
    QString caption_;

    QComboBox* xCombo_ = nullptr;
    QComboBox* yCombo_ = nullptr;
    QCheckBox* xHigher_ = nullptr;
    QCheckBox* yHigher_ = nullptr;
    QLabel* captionLabel_ = nullptr;
    ParetoPlot* plot_ = nullptr;
};

}  // namespace sparq::ui

#pragma once
// ParallelCoordinatesChart: one vertical axis per configuration field and final metric (the
// numeric leaves of the runs' configurations and summaries, then the test accuracy), each
// scaled to its own min..max; one polyline per run, coloured by its test accuracy. Only the
// fields that differ between the runs get an axis, so the chart shows what was varied and
// what came of it. A run without a field leaves a gap on that axis.
#include <vector>

#include <QWidget>

#include "history/runnumbers.h"

class QCustomPlot;
class QCPItemText;
class QLabel;

namespace sparq::ui {

class ParallelCoordinatesChart : public QWidget {
    Q_OBJECT
public:
    /// At most this many runs are drawn (the first ones given) and this many axes.
    static constexpr int kMaxRuns = 500;
    static constexpr int kMaxAxes = 24;

    explicit ParallelCoordinatesChart(QWidget* parent = nullptr);

    /// Draws these runs; `numbers` holds each run's numeric leaves (a run missing from it has
    /// none). `caption` says which runs these are ("the 3 selected runs").
    void setRuns(const std::vector<const profiler::RunRecord*>& runs, const RunNumbersById& numbers,
                 const QString& caption);

    const std::vector<RunField>& axes() const { return axes_; }
    int lineCount() const { return lines_; }
    QCustomPlot* plot() const { return plot_; }
    QLabel* caption() const { return caption_; }

private:
    QCustomPlot* plot_ = nullptr;
    QCPItemText* placeholder_ = nullptr;
    QLabel* caption_ = nullptr;
    std::vector<RunField> axes_;
    int lines_ = 0;
};

}  // namespace sparq::ui

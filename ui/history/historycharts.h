#pragma once
// HistoryCharts: the History view's comparisons, one tab each — the selected runs' series
// overlaid, their configuration diff, parallel coordinates and the Pareto chart — with a
// "Save chart" button for the tab on show (PNG, SVG or PDF). The overlay and the diff compare
// the selected runs; parallel coordinates and Pareto use the selection when it holds two or
// more runs and otherwise every run the table shows. Only the tab on show is brought up to date;
// the others catch up when they are shown.
#include <string>
#include <vector>

#include <QTabWidget>

#include "history/runnumbers.h"

class QCheckBox;
class QCustomPlot;
class QLabel;
class QTableView;
class QToolButton;

namespace sparq::ui {

class ConfigDiffModel;
class ParallelCoordinatesChart;
class ParetoChart;
class RunOverlayChart;
class RunTableModel;

class HistoryCharts : public QTabWidget {
    Q_OBJECT
public:
    enum Tab { OverlayTab, DiffTab, ParallelTab, ParetoTab };

    /// Reads runs from `runs` (the table's model) when a tab is brought up to date.
    explicit HistoryCharts(const RunTableModel* runs, QWidget* parent = nullptr);

    void setDatabase(const std::string& path);
    /// The runs selected in the table and those it shows, in table order, with the numbers of
    /// the current snapshot.
    void setRuns(std::vector<profiler::RunId> selected, std::vector<profiler::RunId> shown, SharedRunNumbers numbers);

    RunOverlayChart* overlay() const { return overlay_; }
    ConfigDiffModel* diffModel() const { return diffModel_; }
    QTableView* diffView() const { return diffView_; }
    QCheckBox* diffShowAll() const { return showAll_; }
    ParallelCoordinatesChart* parallel() const { return parallel_; }
    ParetoChart* pareto() const { return pareto_; }
    /// The chart of a tab (null for the diff).
    QCustomPlot* chartOf(int tab) const;

public slots:
    /// Asks where to save the chart on show and saves it.
    void saveCurrentChart();

private:
    void update(int tab);
    std::vector<const profiler::RunRecord*> records(const std::vector<profiler::RunId>& ids) const;

    const RunTableModel* runs_;
    std::vector<profiler::RunId> selected_;
    std::vector<profiler::RunId> shown_;
    SharedRunNumbers numbers_;
    bool stale_[4] = {true, true, true, true};
    // What the parallel-coordinates and Pareto tabs last drew: a click that leaves the run set
    // as it was (nothing or one run selected) does not redraw hundreds of lines.
    std::vector<profiler::RunId> drawnIds_[4];
    SharedRunNumbers drawnNumbers_[4];  // held, so a new snapshot never reuses its address

    RunOverlayChart* overlay_ = nullptr;
    ConfigDiffModel* diffModel_ = nullptr;
    QTableView* diffView_ = nullptr;
    QCheckBox* showAll_ = nullptr;
    QLabel* diffCaption_ = nullptr;
    ParallelCoordinatesChart* parallel_ = nullptr;
    ParetoChart* pareto_ = nullptr;
    QToolButton* save_ = nullptr;
};

}  // namespace sparq::ui

#pragma once
// ContinualCharts: what a continual-learning job streams, EWC beside plain fine-tuning:
// - the accuracy matrix of each (AccuracyMatrixMap), a row filled in each time a task ends
//   ("continual/<m>/matrix/task<j>" at x = i);
// - each task's test accuracy over the optimizer step ("continual/<m>/accuracy/task<j>"), one
//   line per task in the same colour on both charts, with a dashed line where each task starts
//   ("continual/<m>/task");
// - the mean Fisher information of every parameter tensor after a chosen task
//   ("continual/ewc/fisher/<param>", FisherImportanceChart).
// Live, a pattern ChartFeed along the step axis is pulled by a ~30 Hz timer; a recorded run is
// drawn from the history's points instead. The joint-training baseline is left to the card.
#include <array>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "charts/chartfeed.h"
#include "charts/plotframe.h"
#include "sparq/profiler/metric_bus.h"
#include "sparq/profiler/run_store.h"
#include "charts/techniquecharts.h"

class QCustomPlot;
class QCPGraph;
class QCPItemText;

namespace sparq::ui {

class AccuracyMatrixMap;
class FisherImportanceChart;

class ContinualCharts : public TechniqueCharts {
    Q_OBJECT
public:
    enum Method { Ewc, Finetune, MethodCount };
    /// Every series of a continual job starts so.
    static constexpr const char* kPrefix = "continual/";
    /// Whether the charts draw a series (what a past run needs from the history).
    static bool isCharted(const std::string& series);

    /// Where a task starts on a method's accuracy chart.
    struct TaskMarker {
        int task = 0;  // 0-based; labelled "task <task + 1>"
        double step = 0.0;
        StepMarker marker;
    };

    explicit ContinualCharts(profiler::MetricBus& bus, QWidget* parent = nullptr);
    ~ContinualCharts() override;

    /// Follows `run` live from now on (a newer run's samples are followed on their own too), a
    /// run of `tasks` tasks, with or without the fine-tune baseline.
    void followRun(profiler::RunId run, int tasks, bool finetune);
    /// Draws a recorded run from its points (RunReader::load_series) in place of the live run.
    void showRecorded(profiler::RunId run, int tasks, bool finetune,
                      const std::vector<profiler::SeriesPoints>& series);
    void clear(const QString& caption) override;

    AccuracyMatrixMap* matrix(Method m) const { return parts_[std::size_t(m)].matrix; }
    QCustomPlot* accuracyChart(Method m) const { return parts_[std::size_t(m)].curves; }
    /// The accuracy line of task `task` (0-based), or null before its first point.
    QCPGraph* taskLine(Method m, int task) const;
    const std::vector<TaskMarker>& taskMarkers(Method m) const { return parts_[std::size_t(m)].markers; }
    FisherImportanceChart* fisher() const { return fisher_; }
    ChartFeed& feed() const { return *feed_; }

public slots:
    void drain() override;

signals:
    /// The live run's method `method` started task `task` (0-based) at `step`.
    void taskStarted(int method, int task, double step);

private:
    // What a series feeds, parsed from its name.
    struct Role {
        enum Kind { None, Task, Accuracy, Matrix, Fisher } kind = None;
        int method = 0;
        int task = 0;   // Accuracy, Matrix: the task evaluated
        QString param;  // Fisher
    };
    struct MethodCharts {
        AccuracyMatrixMap* matrix = nullptr;
        QCustomPlot* curves = nullptr;
        QCPItemText* placeholder = nullptr;
        std::map<int, QCPGraph*> lines;  // by task
        std::vector<TaskMarker> markers;
    };
    struct Touched {
        std::array<bool, MethodCount> curves{};
        bool fisher = false;
    };

    static Role roleOf(const std::string& series);
    /// Blanks one method's charts: a map of `tasks` tasks, `message` where nothing is drawn.
    void resetMethod(int method, int tasks, const QString& message);
    /// Blanks everything for a run of `tasks` tasks (0 = unknown yet).
    void resetContent(int tasks, bool finetune, const QString& message);
    /// Draws `points` of a series; `reset` drops what the series drew before.
    void apply(const Role& role, const std::vector<ChartFeed::Point>& points, bool reset, Touched& touched,
               bool live);
    /// Adds a task marker unless one for the same task and step exists; true when added.
    bool addTaskMarker(int method, int task, double step);
    void refresh(const Touched& touched);

    std::unique_ptr<ChartFeed> feed_;
    std::vector<Role> roles_;  // by feed slot
    std::array<MethodCharts, MethodCount> parts_;
    FisherImportanceChart* fisher_ = nullptr;
};

}  // namespace sparq::ui

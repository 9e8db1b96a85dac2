#pragma once
// ServingPage: the Serving view. A form chooses the workload and the batching policy with its
// settings; Run serves the workload with that policy, Compare all policies serves it with each
// policy in turn (a serving job of the workbench on the tiny-lm model). While it
// runs, the charts follow queue, latency percentiles, throughput and padding live, each policy
// in its colour, and the log says how far the model's training (first run only) has come.
// Every policy result of the session becomes a row of the results table, with the settings
// that produced it, and a point of the Pareto chart of throughput against p95 latency, whose
// frontier rows are bold in the table. Stop ends a benchmark within a decode step; the
// policies that had finished keep their rows.
#include <QString>
#include <QWidget>

#include "sparq/engine/job.h"
#include "sparq/engine/serving.h"

class QLabel;
class QListWidget;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;

namespace sparq::ui {

class ErrorLabel;
class JobControlPanel;
class JobProgressBar;
class ParetoPlot;
class ServingCharts;
class ServingForm;
class ServingResultsModel;
class Workbench;

class ServingPage : public QWidget {
    Q_OBJECT
public:
    explicit ServingPage(Workbench* workbench, QWidget* parent = nullptr);
    ~ServingPage() override;

    /// True while the workbench runs a serving benchmark.
    bool benchRuns() const;

    ServingForm* form() const { return form_; }
    ServingCharts* charts() const { return charts_; }
    ServingResultsModel* results() const { return results_; }
    QTableView* resultsTable() const { return table_; }
    ParetoPlot* pareto() const { return pareto_; }
    QPushButton* runButton() const;
    QPushButton* compareButton() const { return compare_; }
    QPushButton* stopButton() const;
    QPushButton* clearButton() const { return clear_; }
    ErrorLabel* startError() const;
    JobProgressBar* progress() const;
    QListWidget* logList() const;

public slots:
    /// Serves the form's workload with the form's policy; false (and nothing runs) while a job
    /// runs or the form is invalid, or when the workbench refuses (the reason under the buttons).
    bool runBench();
    /// Serves the form's workload with every policy, one after the other.
    bool compareAllPolicies();

signals:
    /// A benchmark of this page started; `what` names it ("kmeans", "5 policies").
    void benchStarted(const QString& what);

private:
    bool start(engine::ServeBenchSpec spec);
    /// Why Compare all policies cannot run the form's benchmark, or an empty string.
    QString compareBlocker() const;
    void updateControls();
    void onFinished(const engine::JobEnd& end);
    void stopJob();
    void updatePareto();

    Workbench* workbench_;
    ServingForm* form_ = nullptr;
    JobControlPanel* controls_ = nullptr;
    QPushButton* compare_ = nullptr;
    ServingCharts* charts_ = nullptr;
    ServingResultsModel* results_ = nullptr;
    QSortFilterProxyModel* sorted_ = nullptr;
    QTableView* table_ = nullptr;
    QLabel* resultsCaption_ = nullptr;
    QPushButton* clear_ = nullptr;
    ParetoPlot* pareto_ = nullptr;
};

}  // namespace sparq::ui

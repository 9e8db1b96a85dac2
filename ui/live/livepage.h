#pragma once
// LivePage: the running job's charts and progress. A ChartFeed collects the job's samples on
// the bus's thread; a ~30 Hz timer moves what it gathered into the charts, redrawing only
// the charts that got data.
#include <memory>

#include <QPointer>
#include <QWidget>

#include "sparq/engine/job.h"

class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QTableWidget;
class QTimer;

namespace sparq::ui {

class ChartFeed;
class JobLane;
class MetricChartGrid;
class Workbench;

class LivePage : public QWidget {
    Q_OBJECT
public:
    explicit LivePage(Workbench* workbench, QWidget* parent = nullptr);
    ~LivePage() override;

    MetricChartGrid* chartGrid() const { return grid_; }
    /// One row per finished epoch of the job on show.
    QTableWidget* epochTable() const { return epochs_; }
    ChartFeed& feed() const { return *feed_; }

public slots:
    /// Moves the points gathered since the last call into the charts (the timer's slot).
    void drainFeed();

private:
    void onStarted(qint64 runId, const QString& device);
    void onProgress(const engine::JobProgress& p);
    void onEpoch(const engine::EpochReport& r);
    void onLog(const QString& level, const QString& message);
    void onFinished(const engine::JobEnd& end);
    void appendLog(const QString& html);

    Workbench* workbench_;
    QPointer<JobLane> lane_;  // the training job on show
    std::unique_ptr<ChartFeed> feed_;
    MetricChartGrid* grid_ = nullptr;
    QLabel* title_ = nullptr;
    QLabel* detail_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QPushButton* stop_ = nullptr;
    QPlainTextEdit* log_ = nullptr;
    QTableWidget* epochs_ = nullptr;
    QTimer* timer_ = nullptr;
};

}  // namespace sparq::ui

#pragma once
// ServingCharts: what a serving benchmark streams (serve/<policy>/...), live, on four charts over
// the seconds since each policy started: queue length, latency percentiles (p50 dotted, p95
// solid, p99 dashed), throughput, and padding. Every policy has its colour, the same on every
// chart (the Queue chart's legend names them), so the policies of a compare run, which serve
// one after the other, lie over one another for comparison. A ~30 Hz timer pulls a ChartFeed
// into the charts; the run on show is the newest one whose samples arrived.
#include <array>
#include <memory>
#include <string>
#include <vector>

#include <QColor>
#include <QWidget>

#include "charts/chartfeed.h"
#include "sparq/profiler/metric_bus.h"

class QCustomPlot;
class QCPGraph;
class QLabel;
class QTimer;

namespace sparq::ui {

class ServingCharts : public QWidget {
    Q_OBJECT
public:
    enum Chart { QueueChart, LatencyChart, ThroughputChart, PaddingChart, ChartCount };
    enum Metric { Queue, P50, P95, P99, Throughput, Padding, MetricCount };

    /// The bus series of a policy's metric: "serve/kmeans/latency_p95_ms".
    static std::string seriesName(const std::string& policy, Metric metric);
    /// Every policy's metrics, policy by policy (engine::serving_policies() order).
    static const std::vector<std::string>& watchedSeries();
    /// A policy's colour on every chart (and in the page's other views of it).
    static QColor policyColor(const std::string& policy);

    explicit ServingCharts(profiler::MetricBus& bus, QWidget* parent = nullptr);
    ~ServingCharts() override;

    /// Empties the charts, with `caption` above them; the next run's samples fill them again.
    void clear(const QString& caption);
    /// `run` has ended: the caption says so (once its samples are on show).
    void showEnded(profiler::RunId run);

    /// Run on show (0 = none).
    profiler::RunId run() const { return run_; }
    QCustomPlot* chart(Chart c) const { return charts_[std::size_t(c)]; }
    /// A policy's line of a metric (null for an unknown policy).
    QCPGraph* graph(const std::string& policy, Metric metric) const;
    /// Points drawn of a policy's metric.
    int pointCount(const std::string& policy, Metric metric) const;
    QLabel* caption() const { return caption_; }
    ChartFeed& feed() const { return *feed_; }

public slots:
    /// Moves what the feed gathered into the charts (the timer's slot).
    void drain();

private:
    void clearLines();
    void updateCaption();

    std::unique_ptr<ChartFeed> feed_;
    std::array<QCustomPlot*, ChartCount> charts_{};
    std::vector<QCPGraph*> lines_;       // per feed slot: policy * MetricCount + metric
    std::vector<double> origin_;         // per policy: the run time of its first sample; < 0 = none yet
    QLabel* caption_ = nullptr;
    QTimer* timer_ = nullptr;
    profiler::RunId run_ = 0;
    profiler::RunId ended_ = 0;
};

}  // namespace sparq::ui

#pragma once
// QuantErrorLiveChart: each layer's quantization error while a QAT job runs, one line per
// "quant/<layer>/error" series of the run on show (and the final model's error as the last
// point), against the alert threshold drawn dashed. Layers are not known in advance: a
// pattern ChartFeed gives each series a slot when it first shows up, and a ~30 Hz timer
// pulls the feed into the graphs.
#include <memory>
#include <string>
#include <vector>

#include <qcustomplot.h>

#include "sparq/profiler/metric_bus.h"

class QTimer;

namespace sparq::ui {

class ChartFeed;

class QuantErrorLiveChart : public QCustomPlot {
    Q_OBJECT
public:
    static constexpr const char* kPrefix = "quant/";
    static constexpr const char* kSuffix = "/error";
    /// "quant/fc0/error" -> "fc0".
    static QString layerOf(const std::string& series);

    explicit QuantErrorLiveChart(profiler::MetricBus& bus, QWidget* parent = nullptr);
    ~QuantErrorLiveChart() override;

    /// Shows `run` from now on (clearing the lines when it differs from the run on show).
    void setRun(profiler::RunId run);
    /// Moves the dashed alert line.
    void setThreshold(double threshold);
    double threshold() const;

    /// The line of a layer ("fc0"), or null before its first sample.
    QCPGraph* layerGraph(const QString& layer) const;
    QCPItemStraightLine* thresholdLine() const { return threshold_; }
    ChartFeed& feed() const { return *feed_; }

public slots:
    /// Moves what the feed gathered into the graphs (the timer's slot).
    void drain();

private:
    std::unique_ptr<ChartFeed> feed_;
    std::vector<QCPGraph*> graphs_;  // one per feed slot
    QCPItemStraightLine* threshold_ = nullptr;
    QTimer* timer_ = nullptr;
};

}  // namespace sparq::ui

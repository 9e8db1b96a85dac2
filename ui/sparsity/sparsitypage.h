#pragma once
// SparsityPage: what dynamic sparse activation does in the job on show. A live chart of each
// layer's observed activation rate (gated layers' active fraction, ReLU exact zeros, the
// active share of parameters), a heat map of the per-block load of each gated layer, the
// tuner that re-evaluates a trained gated model at another active fraction, and the alerts
// raised when a layer's observed rate leaves the configured band. Charts pull from bus
// subscribers on a ~30 Hz timer; nothing here waits on the engine or the history.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <QWidget>

#include "sparq/engine/train.h"

class QCustomPlot;
class QCPGraph;
class QCPItemStraightLine;
class QLabel;
class QListWidget;
class QTimer;

namespace sparq::ui {

class ActiveFractionTuner;
class BlockLoadHeatMap;
class ChartFeed;
class LatestValueFeed;
class Workbench;

class SparsityPage : public QWidget {
    Q_OBJECT
public:
    /// Layers charted: gated layers 0..kMaxLayers-1 and ReLUs 0..kMaxLayers-1.
    static constexpr int kMaxLayers = 4;
    /// Series of the activation-rate chart, in graph order.
    static const std::vector<std::string>& activationSeries();
    /// Series of the heat map of a spec, row-major (layer, block); empty for a dense model.
    static std::vector<std::string> loadSeries(const engine::TrainSpec& spec);

    explicit SparsityPage(Workbench* workbench, QWidget* parent = nullptr);
    ~SparsityPage() override;

    QCustomPlot* activationChart() const { return activation_; }
    /// The graph of an activation series, or null.
    QCPGraph* activationGraph(const std::string& series) const;
    BlockLoadHeatMap* heatMap() const { return heatMap_; }
    ActiveFractionTuner* tuner() const { return tuner_; }
    QListWidget* alertList() const { return alerts_; }
    ChartFeed& feed() const { return *feed_; }
    LatestValueFeed& loadFeed() const { return *loads_; }

public slots:
    /// Moves what the feeds gathered into the charts (the timer's slot).
    void drainFeeds();

signals:
    /// A layer's observed activation rate left its band (the engine's warning, as text).
    void alertRaised(const QString& message);

private:
    void followSpec(const engine::TrainSpec& spec);
    void onLog(const QString& level, const QString& message);
    void updateAlertTitle();

    Workbench* workbench_;
    std::unique_ptr<ChartFeed> feed_;
    std::unique_ptr<LatestValueFeed> loads_;
    QLabel* title_ = nullptr;
    QCustomPlot* activation_ = nullptr;
    std::vector<QCPGraph*> graphs_;  // one per activationSeries() entry
    QCPItemStraightLine* bandLow_ = nullptr;
    QCPItemStraightLine* bandHigh_ = nullptr;
    BlockLoadHeatMap* heatMap_ = nullptr;
    ActiveFractionTuner* tuner_ = nullptr;
    QListWidget* alerts_ = nullptr;
    QLabel* alertTitle_ = nullptr;
    QTimer* timer_ = nullptr;
    std::uint64_t loadsVersion_ = 0;
};

}  // namespace sparq::ui

#pragma once
// DistillCharts: what a distillation job streams, on four charts over the optimizer step:
// the three-stage student's loss terms (hint, KD, CE), its distillation weight alpha with the
// temperature (right axis), teacher-student agreement, and the student's test accuracy beside
// the two baselines' (logit distillation only; labels only). Stage boundaries, the steps where
// "distill/stage" changes, are dashed vertical lines labelled "stage N" on every chart.
// Live, a step-axis ChartFeed is pulled by a ~30 Hz timer; a recorded run is drawn from the
// history's points instead. A job with several seeds restarts each series at step 0: each seed
// gets its own line (drawn lighter) over the same steps.
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "charts/chartfeed.h"
#include "sparq/profiler/metric_bus.h"
#include "sparq/profiler/run_store.h"
#include "charts/techniquecharts.h"

class QCustomPlot;
class QCPGraph;
class QCPItemStraightLine;
class QCPItemText;

namespace sparq::ui {

class DistillCharts : public TechniqueCharts {
    Q_OBJECT
public:
    enum Chart { Losses, Weighting, Agreement, Accuracy, ChartCount };
    static constexpr const char* kStageSeries = "distill/stage";

    /// The charted series, in slot order.
    static const std::vector<std::string>& slotSeries();
    /// What the charts read: slotSeries(), then kStageSeries.
    static const std::vector<std::string>& watchedSeries();
    /// Slot of a charted series, or -1.
    static int slotOf(const std::string& series);

    /// A stage boundary: one dashed line and one label on each chart.
    struct StageMarker {
        int stage = 0;
        double step = 0.0;
        std::array<QCPItemStraightLine*, ChartCount> lines{};
        std::array<QCPItemText*, ChartCount> labels{};
    };

    explicit DistillCharts(profiler::MetricBus& bus, QWidget* parent = nullptr);
    ~DistillCharts() override;

    /// Follows `run` live from now on (a newer run's samples are followed on their own too).
    void followRun(profiler::RunId run);
    /// Draws a recorded run from its points (RunReader::load_series) in place of the live run.
    void showRecorded(profiler::RunId run, const std::vector<profiler::SeriesPoints>& series);
    void clear(const QString& caption) override;

    QCustomPlot* chart(Chart c) const { return charts_[std::size_t(c)]; }
    /// A series' line (its first seed), or null when the series is not charted.
    QCPGraph* graph(const std::string& series) const;
    /// Lines of a series: one per seed seen.
    int lineCount(const std::string& series) const;
    /// Points of a series over all its lines.
    int pointCount(const std::string& series) const;
    const std::vector<StageMarker>& stageMarkers() const { return markers_; }
    ChartFeed& feed() const { return *feed_; }

public slots:
    void drain() override;

signals:
    /// The live run entered a stage at `step`.
    void stageStarted(int stage, double step);

private:
    using Touched = std::array<bool, ChartCount>;

    void clearLines();
    void clearSlot(int slot);
    void appendPoints(int slot, const std::vector<ChartFeed::Point>& points);
    QCPGraph* addLine(int slot);
    /// Adds the marker unless one for the same stage and step exists; true when added.
    bool addStageMarker(int stage, double step);
    void clearStageMarkers();
    void refresh(const Touched& touched);

    std::unique_ptr<ChartFeed> feed_;
    std::array<QCustomPlot*, ChartCount> charts_{};
    std::vector<std::vector<QCPGraph*>> lines_;  // per slot: one graph per seed
    std::vector<StageMarker> markers_;
};

}  // namespace sparq::ui

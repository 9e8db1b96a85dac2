#include "distill/distillcharts.h"

#include <algorithm>

#include <QGridLayout>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include "charts/plotframe.h"

namespace sparq::ui {
namespace {

using Chart = DistillCharts::Chart;

struct SlotInfo {
    const char* series;
    Chart chart;
    const char* label;
    QColor color;
    bool rightAxis = false;  // the temperature, on its own scale
    bool markers = false;    // few points (once per epoch)
};

// Three-stage student, logit-only baseline, labels-only baseline: the same colour on every chart.
const QColor kThreeStage(31, 119, 180);
const QColor kLogitOnly(255, 127, 14);
const QColor kAlone(127, 127, 127);

const std::vector<SlotInfo>& slotTable() {
    static const std::vector<SlotInfo> table{
        {"distill/hint_loss", DistillCharts::Losses, QT_TR_NOOP("hint (stage 1)"), QColor(148, 103, 189)},
        {"distill/kd_loss", DistillCharts::Losses, QT_TR_NOOP("KD"), QColor(214, 39, 40)},
        {"distill/ce_loss", DistillCharts::Losses, QT_TR_NOOP("CE (labelled)"), QColor(44, 160, 44)},
        {"distill/alpha", DistillCharts::Weighting, QT_TR_NOOP("α (mean)"), kThreeStage},
        {"distill/temperature", DistillCharts::Weighting, QT_TR_NOOP("temperature (right)"), QColor(140, 86, 75), true},
        {"distill/agreement", DistillCharts::Agreement, QT_TR_NOOP("three stages"), kThreeStage},
        {"logit_only/distill/agreement", DistillCharts::Agreement, QT_TR_NOOP("logit only"), kLogitOnly},
        {"distill/student_accuracy", DistillCharts::Accuracy, QT_TR_NOOP("three stages"), kThreeStage, false, true},
        {"logit_only/distill/student_accuracy", DistillCharts::Accuracy, QT_TR_NOOP("logit only"), kLogitOnly, false,
         true},
        {"alone/distill/student_accuracy", DistillCharts::Accuracy, QT_TR_NOOP("labels only"), kAlone, false, true},
    };
    return table;
}

struct ChartInfo {
    const char* title;
    const char* yLabel;
};

constexpr ChartInfo kCharts[DistillCharts::ChartCount] = {
    {QT_TR_NOOP("Loss terms (three-stage student)"), QT_TR_NOOP("loss")},
    {QT_TR_NOOP("Distillation weight α and temperature"), QT_TR_NOOP("α")},
    {QT_TR_NOOP("Teacher–student agreement"), QT_TR_NOOP("share of batch")},
    {QT_TR_NOOP("Student test accuracy"), QT_TR_NOOP("accuracy")},
};

const QColor kStageColor(90, 90, 90);

}  // namespace

const std::vector<std::string>& DistillCharts::slotSeries() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const SlotInfo& s : slotTable()) out.emplace_back(s.series);
        return out;
    }();
    return names;
}

const std::vector<std::string>& DistillCharts::watchedSeries() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out = slotSeries();
        out.emplace_back(kStageSeries);
        return out;
    }();
    return names;
}

int DistillCharts::slotOf(const std::string& series) {
    const auto& names = slotSeries();
    const auto it = std::find(names.begin(), names.end(), series);
    return it == names.end() ? -1 : int(it - names.begin());
}

DistillCharts::DistillCharts(profiler::MetricBus& bus, QWidget* parent)
    : TechniqueCharts(QStringLiteral("distillChartsCaption"), parent),
      feed_(std::make_unique<ChartFeed>(bus, watchedSeries(), 2000, ChartFeed::XAxis::Step)) {
    auto* grid = new QGridLayout;
    grid->setSpacing(6);
    for (int c = 0; c < ChartCount; ++c) {
        auto* plot = new QCustomPlot(this);
        plot->setObjectName(QStringLiteral("distillChart_%1").arg(c));
        plot->setMinimumSize(260, 180);
        frameChart(plot, tr(kCharts[c].title));
        plot->xAxis->setLabel(tr("optimizer step"));
        plot->yAxis->setLabel(tr(kCharts[c].yLabel));
        plot->legend->setVisible(true);
        plot->axisRect()->insetLayout()->setInsetAlignment(
            0, Qt::AlignRight | (c == Accuracy || c == Agreement ? Qt::AlignBottom : Qt::AlignTop));
        charts_[std::size_t(c)] = plot;
        grid->addWidget(plot, c / 2, c % 2);
    }
    QCustomPlot* weighting = charts_[Weighting];
    weighting->yAxis2->setVisible(true);
    weighting->yAxis2->setLabel(tr("temperature"));
    column()->addLayout(grid, 1);

    lines_.resize(slotTable().size());
    for (std::size_t slot = 0; slot < lines_.size(); ++slot) addLine(int(slot));
    clear(tr("No distillation run on show yet."));
}

DistillCharts::~DistillCharts() = default;

QCPGraph* DistillCharts::addLine(int slot) {
    const SlotInfo& info = slotTable()[std::size_t(slot)];
    QCustomPlot* plot = charts_[info.chart];
    QCPGraph* g = plot->addGraph(plot->xAxis, info.rightAxis ? plot->yAxis2 : plot->yAxis);
    std::vector<QCPGraph*>& lines = lines_[std::size_t(slot)];
    QColor color = info.color;
    if (!lines.empty()) color.setAlpha(110);  // a later seed: lighter, and not in the legend again
    g->setPen(QPen(color, 1.6));
    if (info.markers) g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 6));
    if (lines.empty())
        g->setName(tr(info.label));
    else
        g->removeFromLegend();
    lines.push_back(g);
    return g;
}

void DistillCharts::clearSlot(int slot) {
    std::vector<QCPGraph*>& lines = lines_[std::size_t(slot)];
    QCustomPlot* plot = charts_[slotTable()[std::size_t(slot)].chart];
    while (lines.size() > 1) {
        plot->removeGraph(lines.back());
        lines.pop_back();
    }
    lines.front()->data()->clear();
}

void DistillCharts::clearLines() {
    for (std::size_t slot = 0; slot < lines_.size(); ++slot) clearSlot(int(slot));
    clearStageMarkers();
}

void DistillCharts::appendPoints(int slot, const std::vector<ChartFeed::Point>& points) {
    for (const ChartFeed::Point& p : points) {
        QCPGraph* g = lines_[std::size_t(slot)].back();
        // A step below the line's last one: the next seed starts over.
        if (!g->data()->isEmpty() && p.x < (g->data()->constEnd() - 1)->key) g = addLine(slot);
        g->addData(p.x, p.y);
    }
}

bool DistillCharts::addStageMarker(int stage, double step) {
    const bool known = std::any_of(markers_.begin(), markers_.end(),
                                   [&](const StageMarker& m) { return m.stage == stage && m.step == step; });
    if (known || stage <= 0) return false;
    StageMarker marker;
    marker.stage = stage;
    marker.step = step;
    for (int c = 0; c < ChartCount; ++c) {
        const StepMarker m = addStepMarker(charts_[std::size_t(c)], step, tr("stage %1").arg(stage), kStageColor);
        marker.lines[std::size_t(c)] = m.line;
        marker.labels[std::size_t(c)] = m.label;
    }
    markers_.push_back(marker);
    return true;
}

void DistillCharts::clearStageMarkers() {
    for (const StageMarker& m : markers_) {
        for (int c = 0; c < ChartCount; ++c)
            removeStepMarker(charts_[std::size_t(c)], {m.lines[std::size_t(c)], m.labels[std::size_t(c)]});
    }
    markers_.clear();
}

void DistillCharts::refresh(const Touched& touched) {
    for (int c = 0; c < ChartCount; ++c)
        if (touched[std::size_t(c)]) fitToData(charts_[std::size_t(c)]);
    // Agreement is a share of the batch: the whole scale says more than a zoom on a flat line.
    if (touched[Agreement]) charts_[Agreement]->yAxis->setRange(0.0, 1.05);
}

void DistillCharts::followRun(profiler::RunId run) {
    feed_->set_run(run);
    setCaption(run, false);
}

void DistillCharts::clear(const QString& caption) {
    clearLines();
    Touched all;
    all.fill(true);
    refresh(all);
    clearCaption(caption);
}

void DistillCharts::showRecorded(profiler::RunId run, const std::vector<profiler::SeriesPoints>& series) {
    feed_->set_run(run);
    (void)feed_->take();  // what the feed kept of this run is replaced by the full record
    clearLines();
    for (const profiler::SeriesPoints& s : series) {
        const std::vector<ChartFeed::Point> points = ChartFeed::recordedPoints(s);
        if (s.name == kStageSeries) {
            for (const ChartFeed::Point& p : points) addStageMarker(int(p.y), p.x);
            continue;
        }
        const int slot = slotOf(s.name);
        if (slot >= 0) appendPoints(slot, points);
    }
    setCaption(run, true);
    Touched all;
    all.fill(true);
    refresh(all);
}

void DistillCharts::drain() {
    ChartFeed::Update update = feed_->take();
    if (update.empty()) return;
    if (update.run != run() || showsRecorded()) setCaption(update.run, false);
    Touched touched{};
    const int stageSlot = int(slotSeries().size());
    for (int slot = 0; slot < int(update.series.size()); ++slot) {
        const ChartFeed::SeriesUpdate& s = update.series[std::size_t(slot)];
        if (slot == stageSlot) {
            if (s.reset) clearStageMarkers();
            for (const ChartFeed::Point& p : s.points)
                if (addStageMarker(int(p.y), p.x)) emit stageStarted(int(p.y), p.x);
            if (s.reset || !s.points.empty()) touched.fill(true);
            continue;
        }
        const auto chart = std::size_t(slotTable()[std::size_t(slot)].chart);
        if (s.reset) {
            clearSlot(slot);
            touched[chart] = true;
        }
        if (s.points.empty()) continue;
        appendPoints(slot, s.points);
        touched[chart] = true;
    }
    refresh(touched);
}

QCPGraph* DistillCharts::graph(const std::string& series) const {
    const int slot = slotOf(series);
    return slot < 0 ? nullptr : lines_[std::size_t(slot)].front();
}

int DistillCharts::lineCount(const std::string& series) const {
    const int slot = slotOf(series);
    return slot < 0 ? 0 : int(lines_[std::size_t(slot)].size());
}

int DistillCharts::pointCount(const std::string& series) const {
    const int slot = slotOf(series);
    if (slot < 0) return 0;
    int n = 0;
    for (const QCPGraph* g : lines_[std::size_t(slot)]) n += g->dataCount();
    return n;
}

}  // namespace sparq::ui

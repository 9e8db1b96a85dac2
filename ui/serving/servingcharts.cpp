#include "serving/servingcharts.h"

#include <algorithm>

#include <QGridLayout>
#include <QLabel>
#include <QTimer>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include "charts/chartdrain.h"
#include "charts/plotframe.h"
#include "sparq/engine/serving.h"

namespace sparq::ui {
namespace {

using Chart = ServingCharts::Chart;

struct MetricInfo {
    const char* suffix;  // of "serve/<policy>/"
    Chart chart;
    Qt::PenStyle style;
};

constexpr MetricInfo kMetrics[ServingCharts::MetricCount] = {
    {"queue", ServingCharts::QueueChart, Qt::SolidLine},
    {"latency_p50_ms", ServingCharts::LatencyChart, Qt::DotLine},
    {"latency_p95_ms", ServingCharts::LatencyChart, Qt::SolidLine},
    {"latency_p99_ms", ServingCharts::LatencyChart, Qt::DashLine},
    {"throughput_rps", ServingCharts::ThroughputChart, Qt::SolidLine},
    {"padding", ServingCharts::PaddingChart, Qt::SolidLine},
};

struct ChartInfo {
    const char* title;
    const char* yLabel;
};

constexpr ChartInfo kCharts[ServingCharts::ChartCount] = {
    {QT_TR_NOOP("Queue"), QT_TR_NOOP("requests waiting")},
    {QT_TR_NOOP("Latency: p50 dotted, p95 solid, p99 dashed"), QT_TR_NOOP("ms (last 128 requests)")},
    {QT_TR_NOOP("Throughput"), QT_TR_NOOP("requests/s")},
    {QT_TR_NOOP("Padding"), QT_TR_NOOP("wasted token slots")},
};

int policyCount() { return int(engine::serving_policies().size()); }

int policyIndex(const std::string& policy) {
    const auto& all = engine::serving_policies();
    const auto it = std::find(all.begin(), all.end(), policy);
    return it == all.end() ? -1 : int(it - all.begin());
}

}  // namespace

std::string ServingCharts::seriesName(const std::string& policy, Metric metric) {
    return "serve/" + policy + "/" + kMetrics[metric].suffix;
}

const std::vector<std::string>& ServingCharts::watchedSeries() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const std::string& policy : engine::serving_policies())
            for (int m = 0; m < MetricCount; ++m) out.push_back(seriesName(policy, Metric(m)));
        return out;
    }();
    return names;
}

QColor ServingCharts::policyColor(const std::string& policy) { return lineColor(std::max(0, policyIndex(policy))); }

ServingCharts::ServingCharts(profiler::MetricBus& bus, QWidget* parent)
    : QWidget(parent), feed_(std::make_unique<ChartFeed>(bus, watchedSeries())) {
    auto* column = new QVBoxLayout(this);
    column->setContentsMargins(0, 0, 0, 0);
    caption_ = new QLabel(this);
    caption_->setObjectName(QStringLiteral("servingChartsCaption"));
    column->addWidget(caption_);
    auto* grid = new QGridLayout;
    grid->setSpacing(6);
    for (int c = 0; c < ChartCount; ++c) {
        auto* plot = new QCustomPlot(this);
        plot->setObjectName(QStringLiteral("servingChart_%1").arg(c));
        plot->setMinimumSize(240, 160);
        frameChart(plot, tr(kCharts[c].title));
        plot->xAxis->setLabel(tr("seconds since the policy started"));
        plot->yAxis->setLabel(tr(kCharts[c].yLabel));
        // One legend says which colour is which policy; the others would hide lines.
        plot->legend->setVisible(c == QueueChart);
        plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignRight | Qt::AlignTop);
        charts_[std::size_t(c)] = plot;
        grid->addWidget(plot, c / 2, c % 2);
    }
    column->addLayout(grid, 1);

    for (const std::string& policy : engine::serving_policies()) {
        const QColor color = policyColor(policy);
        for (const MetricInfo& m : kMetrics) {
            QCustomPlot* plot = charts_[m.chart];
            QCPGraph* g = plot->addGraph();
            g->setPen(QPen(color, m.style == Qt::SolidLine ? 1.8 : 1.3, m.style));
            g->setName(QString::fromStdString(policy));
            g->removeFromLegend();  // until the policy has points
            lines_.push_back(g);
        }
    }
    origin_.assign(std::size_t(policyCount()), -1.0);

    clear(tr("No serving run yet: Run or Compare all policies starts one."));
    timer_ = new QTimer(this);
    timer_->setInterval(33);
    connect(timer_, &QTimer::timeout, this, &ServingCharts::drain);
    timer_->start();
}

ServingCharts::~ServingCharts() = default;

void ServingCharts::clearLines() {
    for (QCPGraph* g : lines_) {
        g->data()->clear();
        g->removeFromLegend();
    }
    std::fill(origin_.begin(), origin_.end(), -1.0);
    for (QCustomPlot* plot : charts_) fitToData(plot);
}

void ServingCharts::clear(const QString& caption) {
    clearLines();
    run_ = 0;
    caption_->setText(caption);
}

void ServingCharts::showEnded(profiler::RunId run) {
    ended_ = run;
    if (run_ == run) updateCaption();
}

void ServingCharts::updateCaption() {
    caption_->setText(run_ == ended_ ? tr("Run %1, ended").arg(run_) : tr("Run %1, live").arg(run_));
}

QCPGraph* ServingCharts::graph(const std::string& policy, Metric metric) const {
    const int p = policyIndex(policy);
    return p < 0 ? nullptr : lines_[std::size_t(p * MetricCount + metric)];
}

int ServingCharts::pointCount(const std::string& policy, Metric metric) const {
    const QCPGraph* g = graph(policy, metric);
    return g ? g->dataCount() : 0;
}

void ServingCharts::drain() {
    ChartFeed::Update update = feed_->take();
    if (update.empty()) return;
    if (update.run != run_) {
        clearLines();
        run_ = update.run;
        updateCaption();
    }
    // A policy's time starts at its earliest sample (the first dispatch's queue length), fixed
    // by the first update that has any of its samples.
    std::vector<double> first(origin_.size(), -1.0);
    for (std::size_t slot = 0; slot < update.series.size() && slot < lines_.size(); ++slot) {
        const std::vector<ChartFeed::Point>& points = update.series[slot].points;
        double& f = first[slot / MetricCount];
        if (!points.empty()) f = f < 0 ? points.front().x : std::min(f, points.front().x);
    }
    for (std::size_t p = 0; p < origin_.size(); ++p)
        if (origin_[p] < 0) origin_[p] = first[p];
    std::array<bool, ChartCount> touched{};
    for (std::size_t slot = 0; slot < update.series.size() && slot < lines_.size(); ++slot) {
        const ChartFeed::SeriesUpdate& s = update.series[slot];
        const MetricInfo& metric = kMetrics[slot % MetricCount];
        QCPGraph* g = lines_[slot];
        if (!drainSeries(g, s, origin_[slot / MetricCount])) continue;
        touched[metric.chart] = true;
        // A policy is named once it has points.
        if (metric.chart == QueueChart && !g->data()->isEmpty()) g->addToLegend();
    }
    for (int c = 0; c < ChartCount; ++c) {
        QCustomPlot* plot = charts_[std::size_t(c)];
        if (!touched[std::size_t(c)] || !fitToData(plot)) continue;
        // Every measure here counts from zero; a zoom on a flat line would make noise look large.
        plot->yAxis->setRangeLower(0.0);
        if (c == PaddingChart) plot->yAxis->setRangeUpper(std::max(plot->yAxis->range().upper, 0.1));
    }
}

}  // namespace sparq::ui

#include "charts/metricchartgrid.h"

#include <QGridLayout>
#include <qcustomplot.h>

#include "charts/plotframe.h"
#include "sparq/engine/engine.h"

namespace sparq::ui {
namespace {

namespace series = engine::series;

struct SlotInfo {
    const char* series;
    MetricChartGrid::Chart chart;
    const char* label;
    QColor color;
};

const std::vector<SlotInfo>& slotTable() {
    static const std::vector<SlotInfo> table{
        {series::kTrainLoss, MetricChartGrid::Loss, "train loss", QColor(31, 119, 180)},
        {series::kTestLoss, MetricChartGrid::Loss, "test loss", QColor(255, 127, 14)},
        {series::kTrainAccuracy, MetricChartGrid::Accuracy, "train accuracy", QColor(31, 119, 180)},
        {series::kTestAccuracy, MetricChartGrid::Accuracy, "test accuracy", QColor(255, 127, 14)},
        {series::kSamplesPerS, MetricChartGrid::Throughput, "samples/s", QColor(44, 160, 44)},
        {series::kCpuUtil, MetricChartGrid::Cpu, "CPU (cores)", QColor(214, 39, 40)},
        {series::kRssMb, MetricChartGrid::Memory, "RSS (MB)", QColor(148, 103, 189)},
    };
    return table;
}

struct ChartInfo {
    const char* title;
    const char* yLabel;
};

constexpr ChartInfo kCharts[MetricChartGrid::ChartCount] = {
    {"Loss", "loss"},
    {"Accuracy", "accuracy"},
    {"Throughput", "samples/s"},
    {"CPU utilization", "cores"},
    {"Resident memory", "MB"},
};

// Per-epoch series have few points: draw them with markers so that one point is visible.
bool isPerEpoch(const char* name) {
    const std::string s = name;
    return s == series::kTrainAccuracy || s == series::kTestAccuracy || s == series::kTestLoss;
}

}  // namespace

const std::vector<std::string>& MetricChartGrid::slotSeries() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const auto& s : slotTable()) out.emplace_back(s.series);
        return out;
    }();
    return names;
}

int MetricChartGrid::slotCount() { return int(slotTable().size()); }

MetricChartGrid::Chart MetricChartGrid::chartOfSlot(int slot) {
    return slotTable()[std::size_t(slot)].chart;
}

int MetricChartGrid::slotOf(const std::string& name) {
    const auto& names = slotSeries();
    for (std::size_t i = 0; i < names.size(); ++i)
        if (names[i] == name) return int(i);
    return -1;
}

MetricChartGrid::MetricChartGrid(QWidget* parent) : QWidget(parent) {
    auto* layout = new QGridLayout(this);
    layout_ = layout;
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(6);
    for (int c = 0; c < ChartCount; ++c) {
        auto* plot = new QCustomPlot(this);
        plot->setObjectName(QStringLiteral("chart_%1").arg(c));
        plot->setMinimumSize(260, 180);
        frameChart(plot, QString::fromUtf8(kCharts[c].title));
        plot->xAxis->setLabel(tr("time (s)"));
        plot->yAxis->setLabel(QString::fromUtf8(kCharts[c].yLabel));
        plot->legend->setVisible(false);
        // Loss falls and accuracy rises: keep the legend out of the curves' way.
        plot->axisRect()->insetLayout()->setInsetAlignment(
            0, Qt::AlignRight | (c == Accuracy ? Qt::AlignBottom : Qt::AlignTop));
        if (c == Accuracy) plot->yAxis->setRange(0.0, 1.0);
        charts_[c] = plot;
        layout->addWidget(plot, c / 2, c % 2);
    }
    layout->setColumnStretch(0, 1);
    layout->setColumnStretch(1, 1);

    for (const SlotInfo& info : slotTable()) {
        QCustomPlot* plot = charts_[info.chart];
        QCPGraph* g = plot->addGraph();
        g->setName(QString::fromUtf8(info.label));
        g->setPen(QPen(info.color, 1.6));
        if (isPerEpoch(info.series))
            g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 6));
        graphs_.push_back(g);
        if (plot->graphCount() > 1) plot->legend->setVisible(true);
    }
}

void MetricChartGrid::setExtraWidget(QWidget* widget) {
    widget->setParent(this);
    layout_->addWidget(widget, ChartCount / 2, ChartCount % 2);
}

void MetricChartGrid::clear() {
    for (int s = 0; s < slotCount(); ++s) clearSlot(s);
    refreshAll();
}

void MetricChartGrid::clearSlot(int slot) { graph(slot)->data()->clear(); }

void MetricChartGrid::setPoints(int slot, const QVector<double>& x, const QVector<double>& y) {
    graph(slot)->setData(x, y);
}

void MetricChartGrid::refresh(const Touched& touched) {
    for (int c = 0; c < ChartCount; ++c)
        if (touched[std::size_t(c)]) fitToData(charts_[std::size_t(c)]);
}

void MetricChartGrid::refreshAll() {
    Touched all;
    all.fill(true);
    refresh(all);
}

}  // namespace sparq::ui

#include "quantize/quanterrorlivechart.h"

#include <algorithm>
#include <string>

#include <QTimer>

#include "charts/chartdrain.h"
#include "charts/chartfeed.h"
#include "charts/plotframe.h"

namespace sparq::ui {

QString QuantErrorLiveChart::layerOf(const std::string& series) {
    const std::size_t prefix = std::char_traits<char>::length(kPrefix);
    const std::size_t suffix = std::char_traits<char>::length(kSuffix);
    if (series.size() < prefix + suffix) return QString::fromStdString(series);
    return QString::fromStdString(series.substr(prefix, series.size() - prefix - suffix));
}

QuantErrorLiveChart::QuantErrorLiveChart(profiler::MetricBus& bus, QWidget* parent)
    : QCustomPlot(parent), feed_(ChartFeed::matching(bus, {kPrefix, kSuffix})) {
    setObjectName(QStringLiteral("quantLiveChart"));
    setMinimumSize(360, 220);
    setNoAntialiasingOnDrag(true);
    plotLayout()->insertRow(0);
    plotLayout()->addElement(0, 0,
                             new QCPTextElement(this, tr("Quantization error per layer (live, during QAT)"),
                                                QFont(font().family(), font().pointSize() + 1, QFont::Bold)));
    xAxis->setLabel(tr("time since the first measurement (s)"));
    yAxis->setLabel(tr("relative output error"));
    xAxis->setRange(0.0, 1.0);
    yAxis->setRange(0.0, 0.1);
    legend->setVisible(true);
    legend->setFont(QFont(font().family(), font().pointSize() - 1));
    axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignLeft | Qt::AlignTop);
    threshold_ = new QCPItemStraightLine(this);
    threshold_->setPen(QPen(QColor(214, 39, 40), 1.2, Qt::DashLine));

    timer_ = new QTimer(this);
    timer_->setInterval(33);
    connect(timer_, &QTimer::timeout, this, &QuantErrorLiveChart::drain);
    timer_->start();
}

QuantErrorLiveChart::~QuantErrorLiveChart() = default;

void QuantErrorLiveChart::setRun(profiler::RunId run) { feed_->set_run(run); }

double QuantErrorLiveChart::threshold() const { return threshold_->point1->coords().y(); }

void QuantErrorLiveChart::setThreshold(double threshold) {
    threshold_->point1->setCoords(0.0, threshold);
    threshold_->point2->setCoords(1.0, threshold);
    yAxis->setRange(0.0, std::max(yAxis->range().upper, threshold * 1.2));
    replot(rpQueuedReplot);
}

QCPGraph* QuantErrorLiveChart::layerGraph(const QString& layer) const {
    const std::vector<std::string> names = feed_->series_names();
    for (std::size_t i = 0; i < names.size() && i < graphs_.size(); ++i)
        if (layerOf(names[i]) == layer) return graphs_[i];
    return nullptr;
}

void QuantErrorLiveChart::drain() {
    ChartFeed::Update update = feed_->take();
    if (update.empty()) return;
    for (const std::string& name : update.added) {
        QCPGraph* g = addGraph();
        g->setName(layerOf(name));
        g->setPen(QPen(lineColor(int(graphs_.size())), 1.6));
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 5));
        g->setVisible(false);
        g->removeFromLegend();
        graphs_.push_back(g);
    }
    for (std::size_t i = 0; i < update.series.size() && i < graphs_.size(); ++i) {
        drainSeries(graphs_[i], update.series[i]);
        // A layer of another model (an earlier job) keeps its slot but is not drawn.
        showWhileDrawn(graphs_[i]);
    }
    double right = 1.0;
    double top = threshold() * 1.2;
    for (QCPGraph* g : graphs_) {
        if (!g->visible()) continue;
        bool found = false;
        const QCPRange keys = g->getKeyRange(found);
        if (found) right = std::max(right, keys.upper);
        const QCPRange values = g->getValueRange(found);
        if (found) top = std::max(top, values.upper * 1.1);
    }
    // A little room left of 0 keeps the first measurement clear of the axis.
    xAxis->setRange(-right * 0.02, right * 1.02);
    yAxis->setRange(0.0, top > 0 ? top : 0.1);
    replot(rpQueuedReplot);
}

}  // namespace sparq::ui

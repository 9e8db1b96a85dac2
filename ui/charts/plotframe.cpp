#include "charts/plotframe.h"

#include <algorithm>
#include <cmath>
#include <iterator>

#include <qcustomplot.h>

namespace sparq::ui {

void frameChart(QCustomPlot* plot, const QString& title) {
    plot->setNoAntialiasingOnDrag(true);
    plot->plotLayout()->insertRow(0);
    const QFont font = plot->font();
    plot->plotLayout()->addElement(0, 0, new QCPTextElement(plot, title, QFont(font.family(), font.pointSize() + 1, QFont::Bold)));
    plot->legend->setFont(QFont(font.family(), font.pointSize() - 1));
}

bool fitToData(QCustomPlot* plot) {
    bool hasData = false;
    for (int g = 0; g < plot->graphCount() && !hasData; ++g) hasData = !plot->graph(g)->data()->isEmpty();
    if (!hasData) {
        plot->replot(QCustomPlot::rpQueuedReplot);
        return false;
    }
    plot->rescaleAxes();
    // Every chart starts at the run's origin, so that charts side by side line up.
    const QCPRange x = plot->xAxis->range();
    plot->xAxis->setRange(std::min(0.0, x.lower), std::max(x.upper, 1e-3));
    for (QCPAxis* axis : {plot->yAxis, plot->yAxis2}) {
        if (!axis->visible()) continue;
        const QCPRange y = axis->range();
        const double pad = y.size() > 0 ? y.size() * 0.05 : std::max(1e-3, std::abs(y.center()) * 0.05);
        axis->setRange(y.lower - pad, y.upper + pad);
    }
    plot->replot(QCustomPlot::rpQueuedReplot);
    return true;
}

QCPItemText* addPlaceholder(QCustomPlot* plot) {
    auto* text = new QCPItemText(plot);
    text->position->setType(QCPItemPosition::ptAxisRectRatio);
    text->position->setCoords(0.5, 0.5);
    text->setColor(Qt::gray);
    text->setClipToAxisRect(true);
    return text;
}

QColor lineColor(int i) {
    static const QColor palette[] = {QColor(31, 119, 180), QColor(255, 127, 14), QColor(44, 160, 44),
                                     QColor(148, 103, 189), QColor(140, 86, 75),  QColor(227, 119, 194),
                                     QColor(127, 127, 127), QColor(188, 189, 34), QColor(23, 190, 207)};
    constexpr int n = int(std::size(palette));
    const QColor base = palette[std::max(0, i) % n];
    switch ((std::max(0, i) / n) % 3) {
    case 1: return base.darker(150);
    case 2: return base.lighter(140);
    default: return base;
    }
}

StepMarker addStepMarker(QCustomPlot* plot, double x, const QString& text, const QColor& color) {
    StepMarker marker;
    marker.line = new QCPItemStraightLine(plot);
    marker.line->setPen(QPen(color, 1.0, Qt::DashLine));
    marker.line->point1->setCoords(x, 0.0);
    marker.line->point2->setCoords(x, 1.0);
    marker.label = new QCPItemText(plot);
    marker.label->position->setTypeX(QCPItemPosition::ptPlotCoords);
    marker.label->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    marker.label->position->setCoords(x, 0.0);
    marker.label->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
    marker.label->setPadding(QMargins(4, 2, 4, 2));
    marker.label->setColor(color);
    marker.label->setText(text);
    return marker;
}

void removeStepMarker(QCustomPlot* plot, const StepMarker& marker) {
    plot->removeItem(marker.line);
    plot->removeItem(marker.label);
}

}  // namespace sparq::ui

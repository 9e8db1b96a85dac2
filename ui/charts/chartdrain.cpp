#include "charts/chartdrain.h"

#include <qcustomplot.h>

namespace sparq::ui {

bool drainSeries(QCPGraph* graph, const ChartFeed::SeriesUpdate& update, double xOrigin) {
    if (update.reset) graph->data()->clear();
    if (update.points.empty()) return update.reset;
    QVector<double> x(qsizetype(update.points.size())), y(qsizetype(update.points.size()));
    for (std::size_t i = 0; i < update.points.size(); ++i) {
        x[qsizetype(i)] = update.points[i].x - xOrigin;
        y[qsizetype(i)] = update.points[i].y;
    }
    graph->addData(x, y, /*alreadySorted=*/true);
    return true;
}

void showWhileDrawn(QCPGraph* graph) {
    const bool has = !graph->data()->isEmpty();
    if (has == graph->visible()) return;
    graph->setVisible(has);
    if (has)
        graph->addToLegend();
    else
        graph->removeFromLegend();
}

}  // namespace sparq::ui

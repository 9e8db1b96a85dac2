#include "plotframe.h"

#include <algorithm>
#include <cmath>

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

}  // namespace sparq::ui

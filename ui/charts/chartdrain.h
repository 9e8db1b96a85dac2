#pragma once
// Moving what a ChartFeed gathered into QCustomPlot: the one loop every live chart uses to draw
// a series' new points.
#include "charts/chartfeed.h"

class QCPGraph;

namespace sparq::ui {

/// Applies one series' update to `graph`: cleared on a reset, then the new points appended
/// (x shifted by -xOrigin), in one call. True when the graph changed.
bool drainSeries(QCPGraph* graph, const ChartFeed::SeriesUpdate& update, double xOrigin = 0.0);

/// Shows `graph` and its legend entry while it has points, hides both while it has none.
void showWhileDrawn(QCPGraph* graph);

}  // namespace sparq::ui

#pragma once
// The frame every Sparq chart shares: a bold title above the axis rect, no antialiasing
// while dragging, a small legend font; and the rescale after new points (axes fitted to the
// data, x from 0, a little headroom on the value axes so a flat line does not sit on the frame).
// Also the small parts several charts draw the same way: the grey message in the middle of an
// empty chart, the line palette, and a labelled vertical marker at a step.
#include <QColor>
#include <QString>

class QCustomPlot;
class QCPItemStraightLine;
class QCPItemText;

namespace sparq::ui {

/// Gives `plot` its title row and Sparq's defaults.
void frameChart(QCustomPlot* plot, const QString& title);
/// Fits every axis to the graphs' data (x from 0 or below; 5 % headroom on the left and, when
/// shown, the right value axis) and queues a replot. Returns false when no graph has data
/// (the axes are then left as they are).
bool fitToData(QCustomPlot* plot);

/// A grey text in the middle of the axis rect (what an empty chart says); empty at first.
QCPItemText* addPlaceholder(QCustomPlot* plot);

/// Colour of line `i` (a layer, a task): a palette of nine, without the red that marks
/// thresholds; past the ninth the palette repeats darker, then lighter.
QColor lineColor(int i);

/// A dashed vertical line at `x` across the axis rect, `text` at its top.
struct StepMarker {
    QCPItemStraightLine* line = nullptr;
    QCPItemText* label = nullptr;
};
StepMarker addStepMarker(QCustomPlot* plot, double x, const QString& text, const QColor& color);
/// Removes both items of `marker` from `plot`.
void removeStepMarker(QCustomPlot* plot, const StepMarker& marker);

}  // namespace sparq::ui

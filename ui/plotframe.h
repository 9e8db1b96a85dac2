#pragma once
// The frame every Sparq chart shares: a bold title above the axis rect, no antialiasing
// while dragging, a small legend font; and the rescale after new points (axes fitted to the
// data, x from 0, a little headroom on the value axes so a flat line does not sit on the frame).
#include <QString>

class QCustomPlot;

namespace sparq::ui {

/// Gives `plot` its title row and Sparq's defaults.
void frameChart(QCustomPlot* plot, const QString& title);
/// Fits every axis to the graphs' data (x from 0 or below; 5 % headroom on the left and, when
/// shown, the right value axis) and queues a replot. Returns false when no graph has data
/// (the axes are then left as they are).
bool fitToData(QCustomPlot* plot);

}  // namespace sparq::ui

#pragma once
// Saving a chart as PNG, SVG or PDF: the format follows the file name's suffix. SVG needs
// Qt SVG (Debian package qt6-svg-dev at build time); without it only PNG and PDF are offered.
#include <QString>

class QCustomPlot;
class QWidget;

namespace sparq::ui {

/// Whether this build can write SVG.
bool canSaveSvg();
/// The formats, as a file dialog's name filter ("PNG image (*.png);;…").
QString chartFileFilter();
/// Writes `plot` to `path` (.png, .svg or .pdf) at the size it has on screen, or 1200 x 800
/// when it is not shown. Returns what went wrong, or an empty string.
QString saveChart(QCustomPlot* plot, const QString& path);
/// Asks where to save `plot` (a file dialog starting at `suggestedName`), saves it and says so
/// in a message box when that fails. Returns the path written, or an empty string.
QString saveChartAs(QCustomPlot* plot, QWidget* parent, const QString& suggestedName);

}  // namespace sparq::ui

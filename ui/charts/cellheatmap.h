#pragma once
// CellHeatMap: a grid of values as a colour map with its colour scale: rows top to bottom,
// columns left to right, each cell one value; cells never set stay blank. The axes count
// cells from `firstIndex` (0 for blocks, 1 for tasks) and label every cell while they fit.
// A grey message fills an empty map; subclasses say what it reads (placeholderText()).
// BlockLoadHeatMap and AccuracyMatrixMap are made of it.
#include <optional>
#include <vector>

#include <QString>

#include <qcustomplot.h>

namespace sparq::ui {

class CellHeatMap : public QCustomPlot {
    Q_OBJECT
public:
    int rows() const { return rows_; }
    int columns() const { return columns_; }
    /// Cells that have received a value since the last setGrid().
    int valueCount() const { return valueCount_; }
    /// The value of a cell, or nothing when it is blank or outside the grid.
    std::optional<double> cell(int row, int column) const;
    QCPColorMap* colorMap() const { return map_; }
    QCPColorScale* colorScale() const { return scale_; }
    /// The grey message on an empty map (hidden when the map has values).
    QCPItemText* placeholder() const { return placeholder_; }

protected:
    CellHeatMap(const QString& title, const QString& scaleLabel, int firstIndex, QWidget* parent);

    /// Sizes the grid and blanks every cell (no redraw).
    void setGrid(int rows, int columns);
    /// Sets one cell (no redraw); outside the grid it is ignored.
    void setCell(int row, int column, double value);
    /// The colour scale: always `range`, or (nothing) from 0 to the largest value.
    void setFixedDataRange(std::optional<QCPRange> range) { fixedRange_ = range; }
    /// Updates the colour scale and the placeholder, then queues a replot.
    void redraw();
    /// The axis coordinate of a row or column index.
    double coordOf(int index) const { return double(index + firstIndex_); }
    /// What the map says while it has no value; empty shows nothing.
    virtual QString placeholderText() const = 0;

private:
    QCPColorMap* map_ = nullptr;
    QCPColorScale* scale_ = nullptr;
    QCPItemText* placeholder_ = nullptr;
    std::optional<QCPRange> fixedRange_;
    int firstIndex_ = 0;
    int rows_ = 0;
    int columns_ = 0;
    int valueCount_ = 0;
    std::vector<bool> has_;
};

}  // namespace sparq::ui

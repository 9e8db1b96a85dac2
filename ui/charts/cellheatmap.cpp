#include "charts/cellheatmap.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "charts/plotframe.h"

namespace sparq::ui {
namespace {

// Every cell labelled up to 16 of them, every 2nd/4th/... beyond that.
double tickStep(int cells) { return std::max(1.0, std::pow(2.0, std::ceil(std::log2(cells / 16.0)))); }

}  // namespace

CellHeatMap::CellHeatMap(const QString& title, const QString& scaleLabel, int firstIndex, QWidget* parent)
    : QCustomPlot(parent), firstIndex_(firstIndex) {
    frameChart(this, title);
    xAxis->grid()->setVisible(false);
    yAxis->grid()->setVisible(false);
    yAxis->setRangeReversed(true);  // the first row on top
    for (QCPAxis* axis : {xAxis, yAxis}) {
        QSharedPointer<QCPAxisTickerFixed> ticker(new QCPAxisTickerFixed);
        ticker->setTickStep(1.0);
        ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
        axis->setTicker(ticker);
        axis->setSubTicks(false);
    }

    map_ = new QCPColorMap(xAxis, yAxis);
    map_->setInterpolate(false);
    map_->setTightBoundary(false);
    scale_ = new QCPColorScale(this);
    scale_->setType(QCPAxis::atRight);
    scale_->axis()->setLabel(scaleLabel);
    plotLayout()->addElement(1, 1, scale_);
    QCPColorGradient gradient(QCPColorGradient::gpThermal);
    gradient.setNanHandling(QCPColorGradient::nhTransparent);
    map_->setGradient(gradient);
    map_->setColorScale(scale_);
    auto* group = new QCPMarginGroup(this);
    axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, group);
    scale_->setMarginGroup(QCP::msBottom | QCP::msTop, group);
    placeholder_ = addPlaceholder(this);
}

void CellHeatMap::setGrid(int rows, int columns) {
    rows_ = std::max(0, rows);
    columns_ = rows_ > 0 ? std::max(1, columns) : 0;
    valueCount_ = 0;
    has_.assign(std::size_t(rows_) * std::size_t(columns_), false);
    const int nx = std::max(1, columns_);
    const int ny = std::max(1, rows_);
    map_->data()->setSize(nx, ny);
    map_->data()->setRange(QCPRange(coordOf(0), coordOf(nx - 1)), QCPRange(coordOf(0), coordOf(ny - 1)));
    map_->data()->fill(std::numeric_limits<double>::quiet_NaN());
    xAxis->setRange(coordOf(0) - 0.5, coordOf(nx - 1) + 0.5);
    yAxis->setRange(coordOf(0) - 0.5, coordOf(ny - 1) + 0.5);
    for (auto [axis, cells] : {std::pair{xAxis, nx}, std::pair{yAxis, ny}}) {
        auto ticker = qSharedPointerCast<QCPAxisTickerFixed>(axis->ticker());
        if (ticker) ticker->setTickStep(tickStep(cells));
    }
}

void CellHeatMap::setCell(int row, int column, double value) {
    if (row < 0 || row >= rows_ || column < 0 || column >= columns_) return;
    map_->data()->setCell(column, row, value);
    const std::size_t i = std::size_t(row) * std::size_t(columns_) + std::size_t(column);
    if (!has_[i]) {
        has_[i] = true;
        ++valueCount_;
    }
}

std::optional<double> CellHeatMap::cell(int row, int column) const {
    if (row < 0 || row >= rows_ || column < 0 || column >= columns_) return std::nullopt;
    if (!has_[std::size_t(row) * std::size_t(columns_) + std::size_t(column)]) return std::nullopt;
    return map_->data()->cell(column, row);
}

void CellHeatMap::redraw() {
    if (fixedRange_) {
        map_->setDataRange(*fixedRange_);
    } else {
        double top = 0.0;
        for (std::size_t i = 0; i < has_.size(); ++i)
            if (has_[i]) top = std::max(top, map_->data()->cell(int(i) % columns_, int(i) / columns_));
        map_->setDataRange(QCPRange(0.0, top > 0.0 ? top : 1.0));
    }
    const QString text = valueCount_ == 0 ? placeholderText() : QString();
    placeholder_->setText(text);
    placeholder_->setVisible(!text.isEmpty());
    replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace sparq::ui

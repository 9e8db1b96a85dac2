#include "blockloadheatmap.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace sparq::ui {

BlockLoadHeatMap::BlockLoadHeatMap(QWidget* parent) : QCustomPlot(parent) {
    setObjectName(QStringLiteral("blockLoadHeatMap"));
    setMinimumSize(320, 180);
    plotLayout()->insertRow(0);
    plotLayout()->addElement(0, 0,
                             new QCPTextElement(this, tr("Per-block load (test set, last epoch)"),
                                                QFont(font().family(), font().pointSize() + 1, QFont::Bold)));
    xAxis->setLabel(tr("block"));
    yAxis->setLabel(tr("gated layer"));
    xAxis->grid()->setVisible(false);
    yAxis->grid()->setVisible(false);
    yAxis->setRangeReversed(true);  // layer 0 (nearest the input) on top
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
    scale_->axis()->setLabel(tr("share of inputs"));
    plotLayout()->addElement(1, 1, scale_);
    QCPColorGradient gradient(QCPColorGradient::gpThermal);
    gradient.setNanHandling(QCPColorGradient::nhTransparent);
    map_->setGradient(gradient);
    map_->setColorScale(scale_);
    auto* group = new QCPMarginGroup(this);
    axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, group);
    scale_->setMarginGroup(QCP::msBottom | QCP::msTop, group);

    placeholder_ = new QCPItemText(this);
    placeholder_->position->setType(QCPItemPosition::ptAxisRectRatio);
    placeholder_->position->setCoords(0.5, 0.5);
    placeholder_->setColor(Qt::gray);
    placeholder_->setClipToAxisRect(true);
    setShape(0, 0);
}

void BlockLoadHeatMap::setShape(int layers, int blocks) {
    layers_ = std::max(0, layers);
    blocks_ = layers_ > 0 ? std::max(1, blocks) : 0;
    valueCount_ = 0;
    has_.assign(std::size_t(layers_) * std::size_t(blocks_), false);
    const int nx = std::max(1, blocks_);
    const int ny = std::max(1, layers_);
    map_->data()->setSize(nx, ny);
    map_->data()->setRange(QCPRange(0, nx - 1), QCPRange(0, ny - 1));
    map_->data()->fill(std::numeric_limits<double>::quiet_NaN());
    map_->setDataRange(QCPRange(0.0, 1.0));
    xAxis->setRange(-0.5, nx - 0.5);
    yAxis->setRange(-0.5, ny - 0.5);
    // Label every block while they fit, every 2nd/4th/... block beyond that.
    auto ticker = qSharedPointerCast<QCPAxisTickerFixed>(xAxis->ticker());
    if (ticker) ticker->setTickStep(std::max(1.0, std::pow(2.0, std::ceil(std::log2(nx / 16.0)))));
    updatePlaceholder();
    replot(QCustomPlot::rpQueuedReplot);
}

void BlockLoadHeatMap::setLoads(const std::vector<std::optional<double>>& loads) {
    const std::size_t n = std::min(loads.size(), has_.size());
    for (std::size_t i = 0; i < n; ++i) {
        if (!loads[i]) continue;
        const int layer = int(i) / blocks_;
        const int block = int(i) % blocks_;
        map_->data()->setCell(block, layer, *loads[i]);
        if (!has_[i]) {
            has_[i] = true;
            ++valueCount_;
        }
    }
    double top = 0.0;
    for (std::size_t i = 0; i < has_.size(); ++i)
        if (has_[i]) top = std::max(top, map_->data()->cell(int(i) % blocks_, int(i) / blocks_));
    map_->setDataRange(QCPRange(0.0, top > 0.0 ? top : 1.0));
    updatePlaceholder();
    replot(QCustomPlot::rpQueuedReplot);
}

std::optional<double> BlockLoadHeatMap::load(int layer, int block) const {
    if (layer < 0 || layer >= layers_ || block < 0 || block >= blocks_) return std::nullopt;
    if (!has_[std::size_t(layer) * std::size_t(blocks_) + std::size_t(block)]) return std::nullopt;
    return map_->data()->cell(block, layer);
}

void BlockLoadHeatMap::updatePlaceholder() {
    if (layers_ == 0)
        placeholder_->setText(tr("The model on show has no gated layer"));
    else if (valueCount_ == 0)
        placeholder_->setText(tr("Loads appear after the first epoch"));
    placeholder_->setVisible(layers_ == 0 || valueCount_ == 0);
}

}  // namespace sparq::ui

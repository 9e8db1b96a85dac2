#include "sparsity/blockloadheatmap.h"

#include <algorithm>

namespace sparq::ui {

BlockLoadHeatMap::BlockLoadHeatMap(QWidget* parent)
    : CellHeatMap(tr("Per-block load (test set, last epoch)"), tr("share of inputs"), 0, parent) {
    setObjectName(QStringLiteral("blockLoadHeatMap"));
    setMinimumSize(320, 180);
    xAxis->setLabel(tr("block"));
    yAxis->setLabel(tr("gated layer"));  // layer 0 (nearest the input) on top
    setShape(0, 0);
}

void BlockLoadHeatMap::setShape(int layers, int blocks) {
    setGrid(layers, blocks);
    redraw();
}

void BlockLoadHeatMap::setLoads(const std::vector<std::optional<double>>& loads) {
    const int n = blocks() > 0 ? int(std::min<std::size_t>(loads.size(), std::size_t(layers() * blocks()))) : 0;
    for (int i = 0; i < n; ++i)
        if (loads[std::size_t(i)]) setCell(i / blocks(), i % blocks(), *loads[std::size_t(i)]);
    redraw();
}

QString BlockLoadHeatMap::placeholderText() const {
    if (layers() == 0) return tr("The model on show has no gated layer");
    return tr("Loads appear after the first epoch");
}

}  // namespace sparq::ui

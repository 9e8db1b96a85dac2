#pragma once
// BlockLoadHeatMap: the per-block load of a gated model's layers as a colour map, one row per
// gated layer and one column per block; a cell is the share of test inputs routed to that
// block at the last evaluation. Values are set in bulk; cells never set stay blank.
#include <optional>
#include <vector>

#include "charts/cellheatmap.h"

namespace sparq::ui {

class BlockLoadHeatMap : public CellHeatMap {
    Q_OBJECT
public:
    explicit BlockLoadHeatMap(QWidget* parent = nullptr);

    /// Sizes the map for `layers` gated layers of `blocks` blocks each and blanks it
    /// (0 layers: the model has no gated layer, which the map says).
    void setShape(int layers, int blocks);
    /// Loads in row-major order (layer * blocks + block); a missing value leaves its cell as
    /// it was. Redraws.
    void setLoads(const std::vector<std::optional<double>>& loads);

    int layers() const { return rows(); }
    int blocks() const { return columns(); }
    std::optional<double> load(int layer, int block) const { return cell(layer, block); }

protected:
    QString placeholderText() const override;
};

}  // namespace sparq::ui

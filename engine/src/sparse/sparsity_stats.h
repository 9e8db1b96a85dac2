#pragma once
// Observed sparsity of a model over an evaluation pass: parameters touched per input, blocks
// kept per gated layer, load per block, exact zeros after each ReLU.
#include <torch/types.h>

#include <vector>

#include "models/models.h"

namespace sparq::engine::sparse {

class SparsityTally {
public:
    explicit SparsityTally(models::ClassifierImpl& model);
    /// Adds what the model's last forward observed over `batch` inputs.
    void add(models::ClassifierImpl& model, std::int64_t batch);

    /// Parameters touched per input over all parameters (1 for a dense model).
    double active_param_fraction() const;
    std::int64_t total_params() const { return total_params_; }
    /// Mean share of blocks kept per input, per gated layer.
    std::vector<double> layer_active_fraction() const;
    /// Share of inputs routed to each block, per gated layer.
    std::vector<std::vector<double>> layer_load() const;
    std::vector<double> relu_zero_fraction() const;

private:
    struct Layer {
        kernels::GatedShape shape;
        double kept = 0.0;              // blocks kept, summed over inputs
        std::vector<double> load;       // per block, summed over inputs
    };
    std::vector<Layer> layers_;
    std::vector<double> relu_zero_;     // summed over inputs
    std::int64_t inputs_ = 0;
    std::int64_t total_params_ = 0;
    std::int64_t gated_params_ = 0;     // parameters inside gated layers (weights + gates)
};

}  // namespace sparq::engine::sparse

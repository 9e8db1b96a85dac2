#pragma once
// GatedLinear: a linear layer whose output neurons are split into blocks; a two-level gate
// keeps a few blocks per input (kernels/gated_layout.h has the exact rule). Training runs
// the dense product and masks it, so that every block's score gets a gradient (straight-
// through top-k) or the gate learns by REINFORCE; evaluation on the CPU goes through the
// dispatch kernel, which computes only the kept blocks.
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include "gated_layout.h"

namespace sparq::engine::models {

enum class GateTraining { StraightThrough, Reinforce };

/// What the last forward observed (all detached).
struct GateStats {
    torch::Tensor kept;        // [B] blocks kept per input (float)
    torch::Tensor load;        // [E] inputs routed to each block (float)
    torch::Tensor balance;     // scalar load-balancing loss (training only; with grad)
    torch::Tensor sparsity;    // scalar active-fraction target term (training only; with grad)
    torch::Tensor log_prob;    // [B] log-probability of the sampled routing (REINFORCE)
};

/// Top-k policy keeping about `fraction` of the blocks: about sqrt(fraction) of the groups,
/// the rest of the budget inside each kept group.
kernels::GatePolicy policy_for_fraction(const kernels::GatedShape& s, double fraction);

class GatedLinearImpl : public torch::nn::Module {
public:
    GatedLinearImpl(const kernels::GatedShape& shape, const kernels::GatePolicy& policy,
                    GateTraining training, double target_fraction);

    /// y = gated product (+ ReLU when relu); fills stats().
    torch::Tensor forward(const torch::Tensor& x, bool relu);
    /// The same through the differentiable (dense, masked) path with another expert weight
    /// matrix in place of `weight`, e.g. a fake-quantized copy (quantization-aware training).
    torch::Tensor forward_with_weight(const torch::Tensor& x, bool relu, const torch::Tensor& w);

    /// Changes which blocks are kept (e.g. another active fraction on a trained model).
    void set_policy(const kernels::GatePolicy& p) { policy_ = p; }
    const kernels::GatePolicy& policy() const { return policy_; }
    const kernels::GatedShape& shape() const { return shape_; }
    const GateStats& stats() const { return stats_; }
    /// Evaluation through the dense masked path instead of the dispatch kernel (for tests
    /// and for devices without a kernel).
    void set_use_kernel(bool on) { use_kernel_ = on; }

    /// Scores s [B, E] and the hard mask of kept blocks [B, E] (sampled when `sample`).
    std::pair<torch::Tensor, torch::Tensor> route(const torch::Tensor& x, bool sample) const;

    torch::Tensor weight, bias, gate_c, gate_cb, gate_f, gate_fb;

private:
    torch::Tensor forward_kernel(const torch::Tensor& x, bool relu);
    kernels::GatedShape shape_;
    kernels::GatePolicy policy_;
    GateTraining training_;
    double target_fraction_;
    bool use_kernel_ = true;
    GateStats stats_;
};
TORCH_MODULE(GatedLinear);

}  // namespace sparq::engine::models

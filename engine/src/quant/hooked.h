#pragma once
// The float models' forward passes with a hook at every quantization point, written once and
// used for calibration (hooks observe), quantization-aware training (hooks fake-quantize),
// tracing (hooks record) and conversion (the same layer order as the INT8 model).
//
// Compute layers, in order: every Linear / Conv / gated layer and the head. Quantization
// points: 0 is the model input; point i + 1 is the output of compute layer i after its ReLU
// (for a conv block: after batch norm and ReLU, before max pooling, which commutes with a
// monotone quantization). The head's output (the logits) stays in float.
//
// Convolutions run with batch norm folded in (w * gamma / sigma, beta - gamma * mean / sigma),
// using the running statistics: that is the convolution the INT8 model computes, and during
// quantization-aware training it keeps the statistics frozen.
#include <torch/types.h>

#include "models/models.h"

namespace sparq::engine::quant {

class QuantHooks {
public:
    virtual ~QuantHooks() = default;
    virtual torch::Tensor act(int /*point*/, const torch::Tensor& t) { return t; }
    /// Weight of compute layer `layer` (folded for convs), [out, in] or [out, in, 3, 3].
    virtual torch::Tensor weight(int /*layer*/, const torch::Tensor& w) { return w; }
};

/// Keeps the value flowing through one point, graph included (features for distillation).
class PointHook : public QuantHooks {
public:
    explicit PointHook(int point) : point_(point) {}
    torch::Tensor act(int point, const torch::Tensor& t) override {
        if (point == point_) value = t;
        return t;
    }
    torch::Tensor value;

private:
    int point_;
};

/// Logits [N, 10] for normalised inputs [N, 784].
torch::Tensor forward_hooked(models::ClassifierImpl& model, const torch::Tensor& x, QuantHooks& hooks);

enum class LayerKind { Linear, Conv, Gated };

/// One compute layer as the converter sees it (weights detached, batch norm folded).
struct LayerView {
    LayerKind kind = LayerKind::Linear;
    std::string name;
    torch::Tensor weight, bias;   // [out, in] / [out, in, 3, 3]
    int in_side = 0;              // conv: input height = width
    bool pool_after = false;      // conv: 2x2 max pool follows
    bool flatten_from_conv = false;  // first linear after convs: input is [C, H, W] flattened
    int flat_channels = 0, flat_side = 0;
    models::GatedLinear gated{nullptr};
};
std::vector<LayerView> layer_views(models::ClassifierImpl& model);

/// "mlp", "cnn" or "gated-mlp".
std::string architecture(models::ClassifierImpl& model);

}  // namespace sparq::engine::quant

#pragma once
// Calibration observers: they watch the values flowing through a quantization point and
// choose its range. Weights are quantized per output channel, symmetric; activations per
// tensor, affine (see kernels/cpu/int8_kernels.h for the integer formats).
#include <torch/types.h>

#include <string>
#include <utility>

#include "quant/qmodel.h"

namespace sparq::engine::quant {

enum class ObserverKind { MinMax, Ema, Percentile, Mse };
/// "minmax" | "ema" | "percentile" | "mse"; throws ConfigError otherwise.
ObserverKind parse_observer(const std::string& name);
const char* to_string(ObserverKind k);

/// Affine parameters for [lo, hi] widened to include 0, on the integer range [0, qmax].
QParams affine_qparams(float lo, float hi, int qmax);

/// How each kind turns batches into a range:
///   minmax      smallest and largest value seen over all batches;
///   ema         per-batch min and max, exponentially averaged (factor `ema`);
///   percentile  per-batch (100 - p)th and pth percentiles, averaged over batches;
///   mse         per batch, the clipping range (a shrunk copy of [min, max], 40 candidates)
///               whose quantize-dequantize round trip has the least squared error,
///               averaged over batches.
/// Percentile and MSE look at a random subsample of at most 2^18 values per batch.
class Observer {
public:
    explicit Observer(ObserverKind kind = ObserverKind::MinMax, double percentile = 99.99,
                      double ema = 0.01, int qmax = 127);
    void observe(const torch::Tensor& values);
    bool ready() const { return batches_ > 0; }
    std::pair<float, float> range() const { return {lo_, hi_}; }
    QParams qparams() const { return affine_qparams(lo_, hi_, qmax_); }
    ObserverKind kind() const { return kind_; }

private:
    ObserverKind kind_;
    double percentile_, ema_;
    int qmax_;
    std::int64_t batches_ = 0;
    float lo_ = 0.f, hi_ = 0.f;
};

/// Symmetric int8 weights, [-127, 127], with one scale per row (per output channel) or one
/// for the whole tensor. w is [rows, ...]; q has w's shape.
struct WeightQuant {
    torch::Tensor q;       // int8
    torch::Tensor scale;   // float [rows] (per-tensor: every entry equal)
};
WeightQuant quantize_weight(const torch::Tensor& w, bool per_channel = true);
/// Per-row scales max|w_row| / 127 (a tiny floor keeps all-zero rows finite).
torch::Tensor per_channel_scales(const torch::Tensor& w);

}  // namespace sparq::engine::quant

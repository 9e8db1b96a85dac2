#pragma once
// Quantization-aware training: the float model's forward with fake quantization at every
// point (hooked.h). Activations: per-tensor affine on [0, kActMax] with observed ranges that
// freeze after a number of steps; weights: per-channel symmetric on [-127, 127] from the
// current weights every step. torch's fake_quantize ops pass the gradient straight through
// inside the range and zero it outside (the straight-through estimator).
#include <torch/types.h>

#include "quant/convert.h"
#include "quant/hooked.h"

namespace sparq::engine::quant {

class FakeQuantHooks : public QuantHooks {
public:
    /// Starts from calibrated ranges (so the first steps already train against real ones).
    FakeQuantHooks(Calibration start, int freeze_after_steps)
        : cal_(std::move(start)), freeze_after_(freeze_after_steps) {}

    torch::Tensor act(int point, const torch::Tensor& t) override;
    torch::Tensor weight(int layer, const torch::Tensor& w) override;
    /// Call once per optimizer step (observers update only while not frozen).
    void step() { ++steps_; }
    bool frozen() const { return steps_ >= freeze_after_; }
    const Calibration& calibration() const { return cal_; }

private:
    Calibration cal_;
    int freeze_after_;
    int steps_ = 0;
};

}  // namespace sparq::engine::quant

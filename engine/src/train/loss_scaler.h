#pragma once
// Dynamic loss scaling for reduced-precision training: the loss is multiplied by a scale
// before backward so that small gradients survive FP16; the gradients are divided by it
// before the optimizer step. A step whose gradients hold an inf or NaN is skipped (weights
// untouched) and the scale halves; after `interval` clean steps in a row it doubles.
#include <torch/optim/optimizer.h>
#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace sparq::engine::train {

struct LossScalerOptions {
    double initial = 65536.0;  // 2^16
    double growth = 2.0;
    double backoff = 0.5;
    int interval = 2000;       // clean steps before the scale grows
    double min_scale = 1.0;
    double max_scale = 16777216.0;  // 2^24
};

class LossScaler {
public:
    explicit LossScaler(LossScalerOptions o = {}) : o_(o), scale_(o.initial) {}

    torch::Tensor scale(const torch::Tensor& loss) const { return loss * scale_; }

    /// Unscales the gradients of `params`; if all are finite runs `optimizer.step()`.
    /// Updates the scale either way. Returns true when the step was taken.
    bool step(torch::optim::Optimizer& optimizer, const std::vector<torch::Tensor>& params);

    double current() const { return scale_; }
    std::int64_t skipped() const { return skipped_; }
    std::int64_t clean_streak() const { return streak_; }

private:
    LossScalerOptions o_;
    double scale_;
    std::int64_t skipped_ = 0;
    std::int64_t streak_ = 0;
};

}  // namespace sparq::engine::train

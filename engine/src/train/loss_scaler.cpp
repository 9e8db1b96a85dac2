#include "train/loss_scaler.h"

#include <algorithm>

namespace sparq::engine::train {

bool LossScaler::step(torch::optim::Optimizer& optimizer, const std::vector<torch::Tensor>& params) {
    torch::NoGradGuard no_grad;
    // One reduction over all gradients, one synchronisation.
    auto bad = torch::zeros({}, torch::kBool);
    for (const auto& p : params) {
        if (!p.grad().defined()) continue;
        bad = bad.logical_or(torch::isfinite(p.grad()).logical_not().any());
    }
    if (bad.item<bool>()) {
        ++skipped_;
        streak_ = 0;
        scale_ = std::max(o_.min_scale, scale_ * o_.backoff);
        return false;
    }
    const double inv = 1.0 / scale_;
    for (const auto& p : params)
        if (p.grad().defined()) p.grad().mul_(inv);
    optimizer.step();
    if (++streak_ >= o_.interval) {
        scale_ = std::min(o_.max_scale, scale_ * o_.growth);
        streak_ = 0;
    }
    return true;
}

}  // namespace sparq::engine::train

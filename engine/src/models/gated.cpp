#include "models/gated.h"

#include <torch/nn/functional/linear.h>

#include <cmath>

#include "cpu/gated_kernels.h"

namespace sparq::engine::models {

namespace k = kernels;

k::GatePolicy policy_for_fraction(const k::GatedShape& s, double fraction) {
    k::GatePolicy p;
    p.mode = k::GateMode::TopK;
    const int per = s.blocks_per_group();
    p.k_groups = std::clamp(int(std::lround(s.groups * std::sqrt(fraction))), 1, s.groups);
    p.k_blocks = std::clamp(int(std::lround(fraction * s.blocks / p.k_groups)), 1, per);
    return p;
}

GatedLinearImpl::GatedLinearImpl(const k::GatedShape& shape, const k::GatePolicy& policy,
                                 GateTraining training, double target_fraction)
    : shape_(shape), policy_(policy), training_(training), target_fraction_(target_fraction) {
    const double bound = 1.0 / std::sqrt(double(shape.in));  // nn::Linear's default init
    auto uniform = [&](std::vector<std::int64_t> sizes, double scale) {
        return torch::empty(sizes).uniform_(-bound * scale, bound * scale);
    };
    weight = register_parameter("weight", uniform({shape.out, shape.in}, 1.0));
    bias = register_parameter("bias", uniform({shape.out}, 1.0));
    gate_c = register_parameter("gate_c", uniform({shape.groups, shape.in}, 1.0));
    gate_cb = register_parameter("gate_cb", torch::zeros({shape.groups}));
    gate_f = register_parameter("gate_f", uniform({shape.blocks, shape.in}, 1.0));
    gate_fb = register_parameter("gate_fb", torch::zeros({shape.blocks}));
}

std::pair<torch::Tensor, torch::Tensor> GatedLinearImpl::route(const torch::Tensor& x,
                                                               bool sample) const {
    const std::int64_t B = x.size(0), G = shape_.groups, per = shape_.blocks_per_group();
    const auto pg = torch::softmax(torch::nn::functional::linear(x, gate_c, gate_cb), 1);
    const auto pf =
        torch::softmax(torch::nn::functional::linear(x, gate_f, gate_fb).view({B, G, per}), 2);
    const auto s = (pg.unsqueeze(2) * pf).view({B, shape_.blocks});
    torch::NoGradGuard no_grad;
    torch::Tensor mask;
    if (policy_.mode == k::GateMode::TopK) {
        auto rank_g = pg.detach();
        auto rank_f = pf.detach();
        if (sample) {  // Gumbel top-k: a draw without replacement from the gate's distribution
            auto gumbel = [](const torch::Tensor& like) {
                return -torch::log(-torch::log(torch::rand_like(like).clamp(1e-9, 1.0 - 1e-9)));
            };
            rank_g = torch::log(rank_g + 1e-12) + gumbel(rank_g);
            rank_f = torch::log(rank_f + 1e-12) + gumbel(rank_f);
        }
        const auto gmask = torch::zeros_like(pg).scatter_(1, std::get<1>(rank_g.topk(policy_.k_groups, 1)), 1.0);
        const auto bmask = torch::zeros_like(pf).scatter_(2, std::get<1>(rank_f.topk(policy_.k_blocks, 2)), 1.0);
        mask = (gmask.unsqueeze(2) * bmask).view({B, shape_.blocks});
    } else {
        const auto sd = s.detach();
        mask = (sd >= policy_.threshold).to(torch::kFloat32);
        const auto best = torch::zeros_like(sd).scatter_(1, sd.argmax(1, true), 1.0);
        mask = torch::maximum(mask, best);
    }
    return {s, mask};
}

torch::Tensor GatedLinearImpl::forward_kernel(const torch::Tensor& x, bool relu) {
    const auto xc = x.contiguous().to(torch::kFloat32);
    const std::int32_t B = static_cast<std::int32_t>(xc.size(0));
    const int width = policy_.max_active(shape_);
    auto blocks = torch::empty({B, width}, torch::kInt32);
    auto coefs = torch::empty({B, width}, torch::kFloat32);
    auto y = torch::empty({B, shape_.out}, torch::kFloat32);
    const k::GatedWeights w{weight.data_ptr<float>(), bias.data_ptr<float>(),
                            gate_c.data_ptr<float>(), gate_cb.data_ptr<float>(),
                            gate_f.data_ptr<float>(), gate_fb.data_ptr<float>()};
    const k::Routing r{width, blocks.data_ptr<std::int32_t>(), coefs.data_ptr<float>()};
    thread_local k::GatedScratch scratch;
    k::gated_route_fast(shape_, policy_, w, xc.data_ptr<float>(), B, r, scratch);
    k::gated_apply_fast(shape_, w, xc.data_ptr<float>(), B, r, relu, y.data_ptr<float>(), scratch);
    // Observed routing, counted straight from the kernel's slots (no extra torch ops on the
    // inference path).
    stats_.kept = torch::zeros({B}, torch::kFloat32);
    stats_.load = torch::zeros({shape_.blocks}, torch::kFloat32);
    float* kept = stats_.kept.data_ptr<float>();
    float* load = stats_.load.data_ptr<float>();
    const std::int32_t* slot = blocks.data_ptr<std::int32_t>();
    for (std::int64_t i = 0; i < std::int64_t(B) * width; ++i) {
        if (slot[i] < 0) continue;
        kept[i / width] += 1.f;
        load[slot[i]] += 1.f;
    }
    stats_.balance = torch::Tensor();
    stats_.sparsity = torch::Tensor();
    stats_.log_prob = torch::Tensor();
    return y;
}

torch::Tensor GatedLinearImpl::forward(const torch::Tensor& x, bool relu) {
    const bool grad_needed = is_training() && torch::GradMode::is_enabled();
    if (!grad_needed && use_kernel_ && x.device().is_cpu() && x.scalar_type() == torch::kFloat32)
        return forward_kernel(x, relu);
    return forward_with_weight(x, relu, weight);
}

torch::Tensor GatedLinearImpl::forward_with_weight(const torch::Tensor& x, bool relu,
                                                   const torch::Tensor& w) {
    const bool reinforce = training_ == GateTraining::Reinforce && is_training();
    auto [s, mask] = route(x, reinforce);
    const auto kept_s = s * mask;
    auto coef = kept_s / kept_s.sum(1, true) * mask.sum(1, true);  // averages 1 (gated_layout.h)
    if (reinforce) {
        coef = coef.detach();  // the gate learns from the reward only
        stats_.log_prob = (torch::log(s + 1e-12) * mask).sum(1);
    } else {
        // Straight-through: the dropped blocks' scores still get the gradient they would
        // have had with coefficient s (value unchanged: the added term is zero).
        coef = coef + (s - s.detach()) * (1.0 - mask);
        stats_.log_prob = torch::Tensor();
    }
    const std::int64_t B = x.size(0);
    auto h = torch::nn::functional::linear(x, w, bias).view({B, shape_.blocks, shape_.block_out()});
    auto y = (h * coef.unsqueeze(2)).view({B, shape_.out});
    if (relu) y = torch::relu(y);

    stats_.kept = mask.sum(1);
    stats_.load = mask.sum(0);
    if (is_training()) {
        // Switch-style balance: E * sum_e (share of routed slots to e) * (mean score of e);
        // 1 when load and scores are uniform, larger when a few blocks take everything.
        const auto share = mask.sum(0) / mask.sum().clamp_min(1.0);
        stats_.balance = double(shape_.blocks) * (share * s.mean(0)).sum();
        if (policy_.mode == k::GateMode::Threshold) {
            const double t = std::max<double>(policy_.threshold, 1e-6);
            const auto soft_active = torch::sigmoid((s - t) / (0.25 * t)).mean();
            stats_.sparsity = (soft_active - target_fraction_).pow(2);
        } else {
            stats_.sparsity = torch::zeros({});
        }
    }
    return y;
}

}  // namespace sparq::engine::models

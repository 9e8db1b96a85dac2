// Mixed precision: the dynamic loss scaler step by step under injected overflows, and BF16
// autocast training on the CPU.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <limits>

#include "train/loss_scaler.h"
#include "train/precision.h"

using namespace sparq::engine::train;

namespace {

struct Fixture {
    torch::nn::Linear layer{4, 2};
    torch::optim::SGD opt{layer->parameters(), torch::optim::SGDOptions(0.1)};
    std::vector<torch::Tensor> params = layer->parameters();

    // Backward of a scaled loss; `poison` puts an inf into one gradient afterwards.
    void backward(LossScaler& s, bool poison) {
        opt.zero_grad();
        const auto loss = layer->forward(torch::ones({3, 4})).sum();
        s.scale(loss).backward();
        if (poison) layer->weight.grad()[0][1] = std::numeric_limits<float>::infinity();
    }
    std::vector<torch::Tensor> snapshot() {
        std::vector<torch::Tensor> out;
        for (const auto& p : params) out.push_back(p.detach().clone());
        return out;
    }
    bool unchanged(const std::vector<torch::Tensor>& before) {
        for (std::size_t i = 0; i < params.size(); ++i)
            if (!torch::equal(params[i], before[i])) return false;
        return true;
    }
};

}  // namespace

TEST(LossScaler, OverflowHalvesTheScaleAndSkipsTheStep) {
    torch::manual_seed(1);
    Fixture f;
    LossScalerOptions o;
    o.initial = 1024;
    o.interval = 3;
    LossScaler s(o);

    auto before = f.snapshot();
    f.backward(s, true);
    EXPECT_FALSE(s.step(f.opt, f.params));
    EXPECT_TRUE(f.unchanged(before)) << "a skipped step must leave the weights untouched";
    EXPECT_EQ(s.current(), 512);
    EXPECT_EQ(s.skipped(), 1);

    // NaN counts as an overflow too.
    f.backward(s, false);
    f.layer->bias.grad()[0] = std::numeric_limits<float>::quiet_NaN();
    EXPECT_FALSE(s.step(f.opt, f.params));
    EXPECT_EQ(s.current(), 256);
    EXPECT_EQ(s.skipped(), 2);
}

TEST(LossScaler, CleanStepsUseUnscaledGradientsAndGrowAfterTheInterval) {
    torch::manual_seed(2);
    Fixture f, plain;
    torch::NoGradGuard no_grad;
    plain.layer->weight.copy_(f.layer->weight);
    plain.layer->bias.copy_(f.layer->bias);
    LossScalerOptions o;
    o.initial = 256;
    o.interval = 3;
    LossScaler s(o);
    for (int step = 1; step <= 3; ++step) {
        {
            torch::GradMode::set_enabled(true);
            f.backward(s, false);
            EXPECT_TRUE(s.step(f.opt, f.params));
            plain.opt.zero_grad();
            plain.layer->forward(torch::ones({3, 4})).sum().backward();
            plain.opt.step();
            torch::GradMode::set_enabled(false);
        }
        // Same update as unscaled training (the scale is a power of two: exact).
        EXPECT_TRUE(torch::equal(f.layer->weight, plain.layer->weight)) << "step " << step;
        EXPECT_EQ(s.current(), step < 3 ? 256 : 512) << "step " << step;
    }
    EXPECT_EQ(s.skipped(), 0);
    // An overflow resets the streak: three more clean steps are needed to grow again.
    torch::GradMode::set_enabled(true);
    f.backward(s, true);
    s.step(f.opt, f.params);
    EXPECT_EQ(s.current(), 256);
    for (int i = 0; i < 2; ++i) {
        f.backward(s, false);
        s.step(f.opt, f.params);
    }
    EXPECT_EQ(s.current(), 256);
    f.backward(s, false);
    s.step(f.opt, f.params);
    EXPECT_EQ(s.current(), 512);
}

TEST(Precision, Bf16AutocastRunsProductsInBf16AndKeepsMasterWeightsFp32) {
    torch::manual_seed(3);
    torch::nn::Linear layer(16, 8);
    const auto x = torch::randn({4, 16});
    torch::Tensor y;
    {
        AutocastScope amp(precision_dtype("bf16"));
        y = layer->forward(x);
    }
    EXPECT_EQ(y.scalar_type(), torch::kBFloat16);
    EXPECT_EQ(layer->weight.scalar_type(), torch::kFloat32);
    EXPECT_FALSE(at::autocast::is_cpu_enabled()) << "the scope restores the previous state";
    y.to(torch::kFloat32).sum().backward();
    EXPECT_EQ(layer->weight.grad().scalar_type(), torch::kFloat32);
    // Close to the FP32 product (BF16 keeps 8 bits of mantissa).
    const auto ref = layer->forward(x);
    EXPECT_LT((y.to(torch::kFloat32) - ref).abs().max().item<double>(), 0.05);
    {
        AutocastScope off(precision_dtype("fp32"));
        EXPECT_EQ(layer->forward(x).scalar_type(), torch::kFloat32);
    }
}

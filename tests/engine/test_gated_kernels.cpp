#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>

#include "common/random_gated_layer.h"
#include "cpu/gated_kernels.h"

using namespace sparq::engine::kernels;

namespace {

using Layer = sparq::test::RandomGatedLayer;
using sparq::test::random_input;
constexpr auto random_layer = sparq::test::random_gated_layer;

struct Routed {
    std::vector<std::int32_t> block;
    std::vector<float> coef;
    Routing view(int width) { return {width, block.data(), coef.data()}; }
};

}  // namespace

TEST(GatedKernels, FastEqualsReferenceOnRandomShapes) {
    std::mt19937 rng(7);
    const GatedShape shapes[] = {{784, 1024, 32, 4}, {1024, 1024, 16, 2}, {37, 60, 6, 3},
                                 {9, 8, 8, 1},       {128, 96, 12, 12},  {333, 64, 4, 2}};
    for (const GatedShape& s : shapes) {
        for (GateMode mode : {GateMode::TopK, GateMode::Threshold}) {
            for (int batch : {1, 3, 64}) {
                const Layer l = random_layer(s, rng);
                GatePolicy p;
                p.mode = mode;
                p.k_groups = std::max(1, s.groups / 2);
                p.k_blocks = std::max(1, s.blocks_per_group() / 3);
                p.threshold = 0.6f / float(s.blocks);
                const int width = p.max_active(s);
                const auto x = random_input(batch, s.in, rng);
                Routed ref{std::vector<std::int32_t>(batch * width), std::vector<float>(batch * width)};
                Routed fast = ref;
                gated_route_reference(s, p, l.view(), x.data(), batch, ref.view(width));
                GatedScratch scratch;
                gated_route_fast(s, p, l.view(), x.data(), batch, fast.view(width), scratch);
                ASSERT_EQ(ref.block, fast.block) << "shape " << s.in << "x" << s.out;
                for (std::size_t i = 0; i < ref.coef.size(); ++i)
                    ASSERT_NEAR(ref.coef[i], fast.coef[i], kGatedTolerance);

                std::vector<float> y_ref(std::size_t(batch) * s.out), y_fast(y_ref.size(), 7.f);
                gated_apply_reference(s, l.view(), x.data(), batch, ref.view(width), true, y_ref.data());
                gated_apply_fast(s, l.view(), x.data(), batch, ref.view(width), true, y_fast.data(), scratch);
                float scale = 0.f;
                for (float v : y_ref) scale = std::max(scale, std::fabs(v));
                for (std::size_t i = 0; i < y_ref.size(); ++i)
                    ASSERT_NEAR(y_ref[i], y_fast[i], kGatedTolerance * std::max(1.f, scale))
                        << "index " << i << " batch " << batch;
            }
        }
    }
}

TEST(GatedKernels, TopKKeepsExactlyKBlocksInKGroupsAndCoefficientsAverageOne) {
    std::mt19937 rng(3);
    const GatedShape s{64, 128, 16, 4};
    const Layer l = random_layer(s, rng);
    GatePolicy p;
    p.k_groups = 2;
    p.k_blocks = 3;
    const int batch = 50, width = p.max_active(s);
    const auto x = random_input(batch, s.in, rng);
    Routed r{std::vector<std::int32_t>(batch * width), std::vector<float>(batch * width)};
    gated_route_reference(s, p, l.view(), x.data(), batch, r.view(width));
    for (int n = 0; n < batch; ++n) {
        std::set<int> blocks, groups;
        float sum = 0.f;
        for (int i = 0; i < width; ++i) {
            const int e = r.block[n * width + i];
            ASSERT_GE(e, 0);
            blocks.insert(e);
            groups.insert(e / s.blocks_per_group());
            sum += r.coef[n * width + i];
            EXPECT_GT(r.coef[n * width + i], 0.f);
        }
        EXPECT_EQ(blocks.size(), 6u);
        EXPECT_EQ(groups.size(), 2u);
        EXPECT_NEAR(sum, 6.f, 1e-5f);
    }
}

TEST(GatedKernels, OnlyKeptBlocksProduceOutput) {
    // Hand-built routing: input 0 keeps block 1 (coef 0.25), input 1 keeps blocks 0 and 2.
    const GatedShape s{3, 6, 3, 1};
    std::vector<float> w(18), b(6, 0.5f), zeros(3);
    for (int i = 0; i < 18; ++i) w[i] = float(i % 5) - 2.f;
    GatedWeights gw{w.data(), b.data(), zeros.data(), zeros.data(), zeros.data(), zeros.data()};
    const std::vector<float> x{1.f, 2.f, 3.f, -1.f, 0.5f, 2.f};
    std::vector<std::int32_t> blocks{1, -1, 0, 2};
    std::vector<float> coefs{0.25f, 0.f, 0.5f, 0.5f};
    Routing r{2, blocks.data(), coefs.data()};
    std::vector<float> y(12, 9.f), y_fast(12, 9.f);
    gated_apply_reference(s, gw, x.data(), 2, r, false, y.data());
    GatedScratch scratch;
    gated_apply_fast(s, gw, x.data(), 2, r, false, y_fast.data(), scratch);
    // Row j of W for input 0, block 1 (rows 2, 3).
    auto row_dot = [&](int j, int n) {
        float acc = 0.f;
        for (int i = 0; i < 3; ++i) acc += w[j * 3 + i] * x[n * 3 + i];
        return acc;
    };
    const std::vector<float> expect{0.f, 0.f, 0.25f * (row_dot(2, 0) + 0.5f), 0.25f * (row_dot(3, 0) + 0.5f), 0.f, 0.f,
                                    0.5f * (row_dot(0, 1) + 0.5f), 0.5f * (row_dot(1, 1) + 0.5f), 0.f, 0.f,
                                    0.5f * (row_dot(4, 1) + 0.5f), 0.5f * (row_dot(5, 1) + 0.5f)};
    for (int i = 0; i < 12; ++i) {
        EXPECT_FLOAT_EQ(y[i], expect[i]) << i;
        EXPECT_FLOAT_EQ(y_fast[i], expect[i]) << i;
    }
}

TEST(GatedKernels, ActiveParameterCountMatchesAHandCount) {
    const GatedShape s{784, 1024, 32, 4};
    // 8 blocks of 32 neurons, each neuron 784 weights + 1 bias; both gates: (4 + 32) * 785.
    EXPECT_EQ(gated_active_params(s, 8), 8 * 32 * 785 + 36 * 785);
    EXPECT_EQ(gated_total_params(s), 1024 * 785 + 36 * 785);
}

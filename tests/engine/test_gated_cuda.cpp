// The CUDA gated kernels against the CPU reference: identical block selection, coefficients
// and outputs within kGatedTolerance (relative). Skips when no CUDA device is present.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/gpu_skip.h"
#include "common/random_gated_layer.h"
#include "cpu/gated_kernels.h"
#include "gated_dispatch.cuh"  // must compile in a host-only translation unit like this one

using namespace sparq::engine::kernels;

namespace {

using Layer = sparq::test::RandomGatedLayer;
using sparq::test::random_input;
constexpr auto random_layer = sparq::test::random_gated_layer;

GatePolicy policy_for(const GatedShape& s, GateMode mode) {
    GatePolicy p;
    p.mode = mode;
    p.k_groups = std::max(1, s.groups / 2);
    p.k_blocks = std::max(1, s.blocks_per_group() / 3);
    p.threshold = 0.6f / float(s.blocks);
    return p;
}


// Runs the reference and the CUDA forward on the same layer and inputs and compares them.
void expect_matches_reference(const Layer& l, const GatePolicy& p, const std::vector<float>& x, int batch,
                              bool relu, const std::string& label) {
    const GatedShape& s = l.shape;
    const int width = p.max_active(s);
    std::vector<std::int32_t> block_ref(std::size_t(batch) * width), block_gpu(block_ref.size(), -7);
    std::vector<float> coef_ref(block_ref.size()), coef_gpu(block_ref.size(), -7.f);
    std::vector<float> y_ref(std::size_t(batch) * s.out), y_gpu(y_ref.size(), 7.f);

    gated_route_reference(s, p, l.view(), x.data(), batch, {width, block_ref.data(), coef_ref.data()});
    gated_apply_reference(s, l.view(), x.data(), batch, {width, block_ref.data(), coef_ref.data()}, relu,
                          y_ref.data());
    cuda::gated_forward_cuda_host(s, p, l.view(), x.data(), batch, {width, block_gpu.data(), coef_gpu.data()},
                                  relu, y_gpu.data());

    ASSERT_EQ(block_ref, block_gpu) << label;
    for (std::size_t i = 0; i < coef_ref.size(); ++i)
        ASSERT_NEAR(coef_ref[i], coef_gpu[i], kGatedTolerance * std::max(1.f, std::fabs(coef_ref[i])))
            << label << " slot " << i;
    float scale = 0.f;
    for (float v : y_ref) scale = std::max(scale, std::fabs(v));
    for (std::size_t i = 0; i < y_ref.size(); ++i)
        ASSERT_NEAR(y_ref[i], y_gpu[i], kGatedTolerance * std::max(1.f, scale)) << label << " index " << i;
}

std::string describe(const GatedShape& s, GateMode mode, int batch, bool relu) {
    return "shape in=" + std::to_string(s.in) + " out=" + std::to_string(s.out) + " blocks=" +
           std::to_string(s.blocks) + " groups=" + std::to_string(s.groups) +
           (mode == GateMode::TopK ? " top-k" : " threshold") + " batch=" + std::to_string(batch) +
           (relu ? " relu" : "");
}

}  // namespace

TEST(GatedCuda, MatchesReferenceOnRandomShapes) {
    SKIP_WITHOUT_GPU();
    std::mt19937 rng(7);
    // The shapes and policies of test_gated_kernels.cpp.
    const GatedShape shapes[] = {{784, 1024, 32, 4}, {1024, 1024, 16, 2}, {37, 60, 6, 3},
                                 {9, 8, 8, 1},       {128, 96, 12, 12},  {333, 64, 4, 2}};
    for (const GatedShape& s : shapes)
        for (GateMode mode : {GateMode::TopK, GateMode::Threshold})
            for (int batch : {1, 3, 64}) {
                const Layer l = random_layer(s, rng);
                const auto x = random_input(batch, s.in, rng);
                const bool relu = batch != 3;  // both epilogues
                expect_matches_reference(l, policy_for(s, mode), x, batch, relu, describe(s, mode, batch, relu));
                if (HasFatalFailure()) return;
            }
}

TEST(GatedCuda, ManyBlocksSpanSeveralThreadChunks) {
    // More blocks than the route kernel's threads (several threshold-scan chunks, groups wider
    // than a warp), up to the largest shape the specs allow (4096 blocks in one group).
    SKIP_WITHOUT_GPU();
    std::mt19937 rng(11);
    const GatedShape shapes[] = {{64, 1024, 512, 8}, {48, 4096, 4096, 1}, {40, 2048, 1024, 256}};
    for (const GatedShape& s : shapes)
        for (GateMode mode : {GateMode::TopK, GateMode::Threshold}) {
            const int batch = 3;
            const Layer l = random_layer(s, rng);
            const auto x = random_input(batch, s.in, rng);
            expect_matches_reference(l, policy_for(s, mode), x, batch, true, describe(s, mode, batch, true));
            if (HasFatalFailure()) return;
        }
}

TEST(GatedCuda, TiesGoToTheLowerIndexAndEmptyThresholdKeepsTheBest) {
    // Zero gates: every group and block scores exactly the same on both devices, so the
    // selection is decided by the tie rule alone.
    SKIP_WITHOUT_GPU();
    std::mt19937 rng(5);
    const GatedShape s{16, 48, 12, 3};
    Layer l = random_layer(s, rng);
    std::fill(l.gc.begin(), l.gc.end(), 0.f);
    std::fill(l.gcb.begin(), l.gcb.end(), 0.f);
    std::fill(l.gf.begin(), l.gf.end(), 0.f);
    std::fill(l.gfb.begin(), l.gfb.end(), 0.f);
    const int batch = 4;
    const auto x = random_input(batch, s.in, rng);

    GatePolicy topk = policy_for(s, GateMode::TopK);
    topk.k_groups = 2;
    topk.k_blocks = 2;
    expect_matches_reference(l, topk, x, batch, false, "tied top-k");

    GatePolicy all = policy_for(s, GateMode::Threshold);  // every block reaches 0.6 / blocks
    expect_matches_reference(l, all, x, batch, false, "tied threshold");

    GatePolicy none = all;
    none.threshold = 2.f;  // no block reaches it: the first best one is kept
    expect_matches_reference(l, none, x, batch, true, "empty threshold");

    // And on random gates with the same unreachable threshold.
    const Layer r = random_layer(s, rng);
    expect_matches_reference(r, none, x, batch, true, "empty threshold, random gates");
}

TEST(GatedCuda, RejectsInvalidShapesBeforeTouchingTheDevice) {
    // Validation comes before any CUDA call, so this runs without a GPU too.
    std::mt19937 rng(1);
    const Layer l = random_layer({8, 8, 4, 2}, rng);
    const auto x = random_input(1, 8, rng);
    std::vector<std::int32_t> block(8);
    std::vector<float> coef(8), y(8);
    const Routing r{4, block.data(), coef.data()};
    GatePolicy p;
    EXPECT_THROW(cuda::gated_forward_cuda_host({8, 8, 4, 3}, p, l.view(), x.data(), 1, r, false, y.data()),
                 std::runtime_error);  // blocks not a multiple of groups
    EXPECT_THROW(cuda::gated_forward_cuda_host({8, 9, 4, 2}, p, l.view(), x.data(), 1, r, false, y.data()),
                 std::runtime_error);  // out not a multiple of blocks
    p.k_blocks = 3;                    // more than the 2 blocks of a group
    EXPECT_THROW(cuda::gated_forward_cuda_host({8, 8, 4, 2}, p, l.view(), x.data(), 1, r, false, y.data()),
                 std::runtime_error);
    p.k_blocks = 1;
    p.mode = GateMode::Threshold;  // needs 4 slots per input, the routing has 1
    EXPECT_THROW(cuda::gated_forward_cuda_host({8, 8, 4, 2}, p, l.view(), x.data(), 1, {1, block.data(), coef.data()},
                                               false, y.data()),
                 std::runtime_error);
}

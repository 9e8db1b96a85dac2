// The CUDA INT8 GEMM against the CPU reference: bit for bit identical outputs (uint8 and
// float), and untouched elements left alone, on random shapes, sub-ranges, coefficients and
// scatters, for 7-bit activations (the CPU kernels' contract) and the full uint8 range (which
// the CUDA kernel handles exactly too). Skips when no CUDA device is present, except for the
// argument checks, which come before any CUDA call.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iterator>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/gpu_skip.h"
#include "common/random_int8.h"
#include "cpu/int8_kernels.h"
#include "int8_gemm.cuh"  // must compile in a host-only translation unit like this one

using namespace sparq::engine::kernels;

namespace {



std::vector<std::uint8_t> random_u8(std::size_t n, std::mt19937& rng, int max = kActMax) {
    std::uniform_int_distribution<int> d(0, max);
    std::vector<std::uint8_t> v(n);
    for (auto& x : v) x = std::uint8_t(d(rng));
    return v;
}

// Runs the reference and the CUDA GEMM into output buffers of out_rows x ld_out elements
// prefilled with the same sentinel and compares them whole: the written elements bit for
// bit, the others untouched. `o` carries no output pointer; `f32` picks the output.
void expect_same_as_reference(const std::uint8_t* x, int n, std::int64_t ldx, const Int8Matrix& w, int m0, int m1,
                              Int8Output o, bool f32, int out_rows, const std::string& label) {
    const std::size_t size = std::size_t(out_rows) * std::size_t(o.ld_out);
    std::vector<float> f_ref(size, -3.25f), f_gpu = f_ref;
    std::vector<std::uint8_t> q_ref(size, 77), q_gpu = q_ref;
    Int8Output ref = o, gpu = o;
    if (f32) {
        ref.out_f32 = f_ref.data();
        gpu.out_f32 = f_gpu.data();
    } else {
        ref.out_u8 = q_ref.data();
        gpu.out_u8 = q_gpu.data();
    }
    int8_gemm_reference(x, n, ldx, w, m0, m1, ref);
    cuda::int8_gemm_cuda_host(x, n, ldx, w, m0, m1, gpu);
    for (std::size_t i = 0; i < size; ++i) {
        ASSERT_EQ(q_ref[i], q_gpu[i]) << label << " uint8 output, row " << i / o.ld_out << " column " << i % o.ld_out;
        ASSERT_EQ(std::memcmp(&f_ref[i], &f_gpu[i], sizeof(float)), 0)
            << label << " float output, row " << i / o.ld_out << " column " << i % o.ld_out << ": " << f_ref[i]
            << " vs " << f_gpu[i];
    }
}

// An output stage whose requantization uses most of [0, out_max]: out_scale from the largest
// |v| the reference produces for these inputs.
Int8Output calibrated_output(const std::uint8_t* x, int n, std::int64_t ldx, const Int8Matrix& w, int m0, int m1,
                             std::int32_t in_zero, bool relu, const float* coef, std::int32_t out_max) {
    Int8Output o;
    o.in_scale = 0.0123f;
    o.in_zero = in_zero;
    o.relu = relu;
    o.row_coef = coef;
    o.ld_out = m1;
    std::vector<float> v(std::size_t(n) * m1, 0.f);
    o.out_f32 = v.data();
    int8_gemm_reference(x, n, ldx, w, m0, m1, o);
    float range = 0.f;
    for (float e : v) range = std::max(range, std::fabs(e));
    o.out_f32 = nullptr;
    o.out_max = out_max;
    o.out_scale = range > 0.f ? range / float(out_max - out_max / 5) : 1.f;  // a little saturation
    o.out_zero = relu ? 0 : (out_max + 1) / 2;
    return o;
}

std::string describe(int rows, int cols, int n, std::int64_t ldx, int m0, int m1, bool f32, bool relu, bool coef,
                     bool scatter, int x_max = kActMax) {
    return std::to_string(rows) + "x" + std::to_string(cols) + " n=" + std::to_string(n) + " ldx=" +
           std::to_string(ldx) + " m=[" + std::to_string(m0) + "," + std::to_string(m1) + ")" +
           (f32 ? " float" : " uint8") + (relu ? " relu" : "") + (coef ? " coef" : "") + (scatter ? " scatter" : "") +
           " x<=" + std::to_string(x_max);
}

}  // namespace

TEST(Int8Cuda, MatchesReferenceOnRandomShapes) {
    SKIP_WITHOUT_GPU();
    std::mt19937 rng(7);
    struct Shape { int rows, cols; };
    // K not a multiple of 4 (and of the 64-byte tile), M not a multiple of 8 (nor of a tile).
    const Shape shapes[] = {{1, 1}, {8, 4}, {13, 37}, {64, 128}, {100, 255}, {257, 1001}, {40, 4099}};
    const int ns[] = {1, 5, 16, 17, 64, 300};  // both tile configurations, partial tiles
    for (int si = 0; si < int(std::size(shapes)); ++si) {
        const Shape s = shapes[si];
        const Int8Matrix w = sparq::test::random_int8_matrix(s.rows, s.cols, rng);
        for (int ni = 0; ni < int(std::size(ns)); ++ni) {
            const int n = ns[ni];
            for (int v = 0; v < 4; ++v) {
                const bool f32 = v & 1, relu = v & 2;
                const bool coef = (v + ni) % 2 == 1, scatter = (v + si) % 2 == 1;
                // Strides 0..3 bytes wider than K: aligned and unaligned input loads.
                const std::int64_t ldx = s.cols + (v + ni + si) % 4;
                int m0 = 0, m1 = s.rows;
                if ((v + si + ni) % 3 == 2) {  // a sub-range starting and ending off any tile edge
                    m0 = s.rows / 3;
                    m1 = std::max(m0 + 1, s.rows - s.rows / 5);
                }
                // Mostly 7-bit activations; every third case the full uint8 range with a
                // uint8 output range to match.
                const int x_max = (v + 2 * ni + si) % 3 == 0 ? 255 : kActMax;
                const auto x = random_u8(std::size_t(n) * ldx, rng, x_max);
                std::vector<float> c(n);
                for (int i = 0; i < n; ++i) c[i] = 0.25f + 0.01f * float(i % 97);
                Int8Output o = calibrated_output(x.data(), n, ldx, w, m0, m1, (17 * v + 3) * x_max / 255, relu,
                                                 coef ? c.data() : nullptr, x_max);
                o.ld_out = s.rows + 5;  // wider than a row: the gaps must stay untouched
                std::vector<std::int32_t> index(n);
                int out_rows = n;
                if (scatter) {  // a shuffled, spread-out scatter
                    for (int i = 0; i < n; ++i) index[i] = 2 * i + 1;
                    std::shuffle(index.begin(), index.end(), rng);
                    o.row_index = index.data();
                    out_rows = 2 * n + 2;
                }
                expect_same_as_reference(x.data(), n, ldx, w, m0, m1, o, f32, out_rows,
                                         describe(s.rows, s.cols, n, ldx, m0, m1, f32, relu, coef, scatter, x_max));
                if (HasFatalFailure()) return;
            }
        }
    }
}

TEST(Int8Cuda, SubRangesCoefficientsAndScatterMatchTheReference) {
    // The gated layer's use (as in test_int8_kernels): a block's rows [m0, m1) for a gathered
    // subset of inputs, each scaled by its coefficient and scattered back to its own row.
    SKIP_WITHOUT_GPU();
    std::mt19937 rng(5);
    const Int8Matrix w = sparq::test::random_int8_matrix(96, 200, rng);
    const int n = 11, out_rows = 40;
    const auto x = random_u8(std::size_t(n) * 200, rng);
    std::vector<std::int32_t> index(n);
    std::vector<float> coef(n);
    for (int i = 0; i < n; ++i) {
        index[i] = 3 * i + 1;
        coef[i] = 0.25f + 0.1f * i;
    }
    for (auto [m0, m1] : {std::pair{32, 64}, std::pair{0, 8}, std::pair{88, 96}, std::pair{16, 96}, std::pair{5, 6}})
        for (bool f32 : {false, true}) {
            Int8Output o;
            o.in_scale = 0.02f;
            o.in_zero = 3;
            o.relu = true;
            o.row_coef = coef.data();
            o.row_index = index.data();
            o.out_scale = 0.1f;
            o.ld_out = 96;
            expect_same_as_reference(x.data(), n, 200, w, m0, m1, o, f32, out_rows,
                                     describe(96, 200, n, 200, m0, m1, f32, true, true, true));
            if (HasFatalFailure()) return;
        }
}

TEST(Int8Cuda, RoundsHalfToEvenAndSaturatesLikeTheReference) {
    // K = 1, unit scales: v = x * q exactly, and out_scale 2 makes every odd x * q land on a
    // half, so nearbyint's ties-to-even decides; the zero points and out_max push both ends to
    // saturate. All 256 activation values.
    SKIP_WITHOUT_GPU();
    Int8Matrix w;
    w.rows = 3;
    w.cols = 1;
    w.q = {1, -1, 2};
    w.scale = {1.f, 1.f, 1.f};
    w.bias = {0.f, 0.f, 0.f};
    int8_pack(w);
    std::vector<std::uint8_t> x(256);
    for (int i = 0; i < 256; ++i) x[i] = std::uint8_t(i);
    for (int out_max : {kActMax, 255})
        for (int out_zero : {60, 200})
            for (int in_zero : {0, 255})
                for (bool relu : {false, true}) {
                    Int8Output o;
                    o.in_zero = in_zero;
                    o.relu = relu;
                    o.out_scale = 2.f;
                    o.out_zero = out_zero;
                    o.out_max = out_max;
                    o.ld_out = 3;
                    const std::string label = "out_max " + std::to_string(out_max) + " out_zero " +
                                              std::to_string(out_zero) + " in_zero " + std::to_string(in_zero) +
                                              (relu ? " relu" : "");
                    expect_same_as_reference(x.data(), 256, 1, w, 0, 3, o, false, 256, label);
                    expect_same_as_reference(x.data(), 256, 1, w, 0, 3, o, true, 256, label);
                    if (HasFatalFailure()) return;
                }
}

TEST(Int8Cuda, ExtremeValuesAccumulateExactly) {
    // All-255 (and all-kActMax) inputs against +-127 weights over many K tiles: the largest
    // products, where the activation shift and its row-sum correction must cancel exactly.
    SKIP_WITHOUT_GPU();
    const int K = 4097, M = 9, n = 3;
    Int8Matrix w;
    w.rows = M;
    w.cols = K;
    w.q.resize(std::size_t(M) * K);
    for (int m = 0; m < M; ++m)  // rows of +127, of -127, and alternating
        for (int k = 0; k < K; ++k) {
            const int sign = m % 3 == 0 ? 1 : m % 3 == 1 ? -1 : (k % 2 ? 1 : -1);
            w.q[std::size_t(m) * K + k] = std::int8_t(127 * sign);
        }
    w.scale.assign(M, 1.f);
    w.bias.assign(M, 0.f);
    int8_pack(w);
    std::vector<std::uint8_t> x(std::size_t(n) * K, 255);
    std::fill(x.begin() + K, x.begin() + 2 * K, std::uint8_t(kActMax));
    std::fill(x.begin() + 2 * K, x.end(), 0);  // one row of zeros: acc = 0 - in_zero * row_sum
    for (int in_zero : {0, 128, 255}) {
        Int8Output o;
        o.in_zero = in_zero;
        o.ld_out = M;
        expect_same_as_reference(x.data(), n, K, w, 0, M, o, true, n, "in_zero " + std::to_string(in_zero));
        if (HasFatalFailure()) return;
    }
}

TEST(Int8Cuda, RejectsInvalidArgumentsBeforeTouchingTheDevice) {
    // Validation comes before any CUDA call, so this runs without a GPU too.
    std::mt19937 rng(1);
    const Int8Matrix w = sparq::test::random_int8_matrix(8, 6, rng);
    const auto x = random_u8(4 * 6, rng);
    std::vector<std::uint8_t> y(64);
    Int8Output o;
    o.out_u8 = y.data();
    o.ld_out = 8;
    EXPECT_THROW(cuda::int8_gemm_cuda_host(x.data(), 4, 6, w, 0, 9, o), std::runtime_error);  // m1 > rows
    EXPECT_THROW(cuda::int8_gemm_cuda_host(x.data(), 4, 6, w, 5, 4, o), std::runtime_error);  // m0 > m1
    EXPECT_THROW(cuda::int8_gemm_cuda_host(x.data(), 4, 5, w, 0, 8, o), std::runtime_error);  // ldx < K
    Int8Matrix unpacked = w;
    unpacked.row_sum.clear();
    EXPECT_THROW(cuda::int8_gemm_cuda_host(x.data(), 4, 6, unpacked, 0, 8, o), std::runtime_error);
    Int8Output none = o;
    none.out_u8 = nullptr;  // no output at all
    EXPECT_THROW(cuda::int8_gemm_cuda_host(x.data(), 4, 6, w, 0, 8, none), std::runtime_error);
    std::vector<float> f(64);
    Int8Output both = o;
    both.out_f32 = f.data();
    EXPECT_THROW(cuda::int8_gemm_cuda_host(x.data(), 4, 6, w, 0, 8, both), std::runtime_error);
    const std::int32_t repeated[] = {0, 2, 2, 1};  // two inputs to one output row
    Int8Output scatter = o;
    scatter.row_index = repeated;
    EXPECT_THROW(cuda::int8_gemm_cuda_host(x.data(), 4, 6, w, 0, 8, scatter), std::runtime_error);
    const std::int32_t negative[] = {0, -1, 2, 3};
    scatter.row_index = negative;
    EXPECT_THROW(cuda::int8_gemm_cuda_host(x.data(), 4, 6, w, 0, 8, scatter), std::runtime_error);
    Int8Output narrow = o;
    narrow.ld_out = 7;  // rows would overlap
    EXPECT_THROW(cuda::int8_gemm_cuda_host(x.data(), 4, 6, w, 0, 8, narrow), std::runtime_error);
    Int8Output wide = o;
    wide.out_max = 256;  // not a uint8
    EXPECT_THROW(cuda::int8_gemm_cuda_host(x.data(), 4, 6, w, 0, 8, wide), std::runtime_error);
}

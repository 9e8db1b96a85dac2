// The INT8 kernels: the fast path equals the reference bit for bit (integer accumulation and
// the same float output stage), on random shapes, sub-ranges, scatters and both outputs.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>

#include "common/random_int8.h"
#include "cpu/int8_kernels.h"

using namespace sparq::engine::kernels;

namespace {

constexpr auto random_matrix = sparq::test::random_int8_matrix;

std::vector<std::uint8_t> random_u8(std::size_t n, std::mt19937& rng) {
    std::uniform_int_distribution<int> d(0, kActMax);
    std::vector<std::uint8_t> v(n);
    for (auto& x : v) x = std::uint8_t(d(rng));
    return v;
}

}  // namespace

TEST(Int8Kernels, PackKeepsEveryWeightAndRowSum) {
    std::mt19937 rng(1);
    const Int8Matrix w = random_matrix(13, 7, rng);  // rows not a multiple of 8, odd K
    EXPECT_EQ(w.cols_padded, 8);  // K rounded up to a multiple of kInt8Group
    for (int m = 0; m < w.rows; ++m) {
        int sum = 0;
        for (int k = 0; k < w.cols; ++k) {
            const int p = m / kInt8Panel, r = m % kInt8Panel;
            const auto packed = w.packed[(std::size_t(p) * (w.cols_padded / kInt8Group) + k / kInt8Group) *
                                             (kInt8Group * kInt8Panel) + kInt8Group * r + k % kInt8Group];
            EXPECT_EQ(packed, w.q[std::size_t(m) * w.cols + k]);
            sum += w.q[std::size_t(m) * w.cols + k];
        }
        EXPECT_EQ(w.row_sum[m], sum);
    }
}

TEST(Int8Kernels, ReferenceAccumulatesExactly) {
    // One row by hand: x = [127, 0, 3], q = [127, -127, -2], in_zero 0, scale 1 -> 16129 - 6.
    Int8Matrix w;
    w.rows = 1;
    w.cols = 3;
    w.q = {127, -127, -2};
    w.scale = {1.f};
    w.bias = {0.f};
    int8_pack(w);
    const std::uint8_t x[] = {127, 0, 3};
    float y = 0;
    Int8Output o;
    o.out_f32 = &y;
    o.ld_out = 1;
    int8_gemm_reference(x, 1, 3, w, 0, 1, o);
    EXPECT_EQ(y, 127.f * 127 - 6);
    // With a zero point the accumulator is corrected by zero * row_sum.
    o.in_zero = 10;
    int8_gemm_reference(x, 1, 3, w, 0, 1, o);
    EXPECT_EQ(y, 117.f * 127 + (-10.f) * -127 + (-7.f) * -2);
}

TEST(Int8Kernels, FastEqualsReferenceExactly) {
    std::mt19937 rng(3);
    struct Shape { int rows, cols; };
    const Shape shapes[] = {{512, 784}, {256, 512}, {10, 256}, {13, 7}, {64, 288}, {32, 9}, {40, 1025}};
    for (const Shape& s : shapes) {
        const Int8Matrix w = random_matrix(s.rows, s.cols, rng);
        for (int n : {1, 5, 6, 7, 64, 131}) {
            const std::int64_t ldx = s.cols + 3;  // a row stride wider than the row
            const auto x = random_u8(std::size_t(n) * ldx, rng);
            for (int variant = 0; variant < 4; ++variant) {
                const bool f32 = variant & 1, relu = variant & 2;
                Int8Output o;
                o.in_scale = 0.0123f;
                o.in_zero = 17 * variant;
                o.relu = relu;
                o.out_scale = 0.05f;
                o.out_zero = relu ? 0 : 64;
                o.ld_out = s.rows;
                std::vector<float> yr(std::size_t(n) * s.rows, -1.f), yf = yr;
                std::vector<std::uint8_t> qr(std::size_t(n) * s.rows, 7), qf = qr;
                auto run = [&](bool fast, std::vector<float>& yf32, std::vector<std::uint8_t>& yu8) {
                    Int8Output oo = o;
                    if (f32)
                        oo.out_f32 = yf32.data();
                    else
                        oo.out_u8 = yu8.data();
                    if (fast) int8_gemm_fast(x.data(), n, ldx, w, 0, s.rows, oo);
                    else int8_gemm_reference(x.data(), n, ldx, w, 0, s.rows, oo);
                };
                run(false, yr, qr);
                run(true, yf, qf);
                ASSERT_EQ(yr, yf) << s.rows << "x" << s.cols << " n=" << n << " variant " << variant;
                ASSERT_EQ(qr, qf) << s.rows << "x" << s.cols << " n=" << n << " variant " << variant;
            }
        }
    }
}

TEST(Int8Kernels, SubRangesCoefficientsAndScatterMatchTheReference) {
    // The gated layer's use: a block's rows [m0, m1) for a gathered subset of inputs, each
    // scaled by its coefficient and scattered back to its own output row.
    std::mt19937 rng(5);
    const Int8Matrix w = random_matrix(96, 200, rng);
    const int n = 11, out_rows = 40;
    const auto x = random_u8(std::size_t(n) * 200, rng);
    std::vector<std::int32_t> index(n);
    std::vector<float> coef(n);
    for (int i = 0; i < n; ++i) {
        index[i] = 3 * i + 1;
        coef[i] = 0.25f + 0.1f * i;
    }
    for (auto [m0, m1] : {std::pair{32, 64}, std::pair{0, 8}, std::pair{88, 96}, std::pair{16, 96}}) {
        Int8Output o;
        o.in_scale = 0.02f;
        o.in_zero = 3;
        o.relu = true;
        o.row_coef = coef.data();
        o.row_index = index.data();
        o.out_scale = 0.1f;
        o.ld_out = 96;
        std::vector<std::uint8_t> ref(std::size_t(out_rows) * 96, 0), fast = ref;
        o.out_u8 = ref.data();
        int8_gemm_reference(x.data(), n, 200, w, m0, m1, o);
        o.out_u8 = fast.data();
        int8_gemm_fast(x.data(), n, 200, w, m0, m1, o);
        ASSERT_EQ(ref, fast) << m0 << ".." << m1;
        // Untouched: rows nobody was scattered to, and columns outside [m0, m1).
        for (int r = 0; r < out_rows; ++r)
            for (int m = 0; m < 96; ++m) {
                const bool written = r % 3 == 1 && r / 3 < n && m >= m0 && m < m1;
                if (!written) {
                    ASSERT_EQ(fast[std::size_t(r) * 96 + m], 0) << r << "," << m;
                }
            }
    }
}

TEST(Int8Kernels, QuantizeRoundTripIsWithinHalfAStep) {
    std::mt19937 rng(9);
    std::uniform_real_distribution<float> u(-1.f, 3.f);
    const float scale = 4.f / 255.f;
    const int zero = 64;  // represents 0.0; the range is [-64, 191] * scale
    std::vector<float> v(10000);
    for (auto& x : v) x = u(rng);
    std::vector<std::uint8_t> q(v.size());
    quantize_u8(v.data(), std::int64_t(v.size()), scale, zero, q.data(), 255);
    for (std::size_t i = 0; i < v.size(); ++i) {
        const float back = scale * (float(q[i]) - zero);
        const float lo = -zero * scale, hi = (255 - zero) * scale;
        if (v[i] >= lo && v[i] <= hi) ASSERT_LE(std::fabs(back - v[i]), 0.5f * scale * 1.0001f) << v[i];
        else ASSERT_EQ(q[i], v[i] < lo ? 0 : 255);  // saturates outside the range
    }
}

// Built with -mavx2 -ffp-contract=off: the output stage must round exactly like the
// reference (no fused multiply-adds), so that both produce the same bits.
#include "int8_avx2.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace sparq::engine::kernels::avx2 {

namespace {

constexpr int kTileRows = 6;  // 6 rows x 2 panels = 12 accumulators + 2 weights + 1 broadcast

// acc[r][j] (int32, [kTileRows][2 * kInt8Panel]) for R rows of x (uint8, row stride ldx,
// Kp readable bytes per row) and P panels starting at panel p. Each panel is [Kp/4][8][4]
// int8: one 32-byte load holds 4 consecutive inputs for each of its 8 outputs, which
// vpmaddubsw + vpmaddwd(1) reduce to one int32 per output.
template <int R, int P>
void tile(const std::uint8_t* x, std::int64_t ldx, const Int8Matrix& w, int p, std::int32_t* acc) {
    const int groups = w.cols_padded / kInt8Group;
    constexpr int kPanelBytes = kInt8Group * kInt8Panel;
    const std::int8_t* wp0 = w.packed.data() + std::size_t(p) * groups * kPanelBytes;
    const std::int8_t* wp1 = wp0 + std::size_t(groups) * kPanelBytes;
    const __m256i ones = _mm256_set1_epi16(1);
    // Fully unrolled loops over r and j, so that c[][] lives in registers (a rolled loop
    // leaves it on the stack at -O2 and runs 3x slower).
    __m256i c[R][P];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 2
        for (int j = 0; j < P; ++j) c[r][j] = _mm256_setzero_si256();
    for (int g = 0; g < groups; ++g) {
        const __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wp0 + g * kPanelBytes));
        const __m256i b1 =
            P > 1 ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wp1 + g * kPanelBytes)) : b0;
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) {
            std::int32_t quad;
            std::memcpy(&quad, x + r * ldx + kInt8Group * g, sizeof quad);
            const __m256i a = _mm256_set1_epi32(quad);
            c[r][0] = _mm256_add_epi32(c[r][0], _mm256_madd_epi16(_mm256_maddubs_epi16(a, b0), ones));
            if (P > 1)
                c[r][1] = _mm256_add_epi32(c[r][1], _mm256_madd_epi16(_mm256_maddubs_epi16(a, b1), ones));
        }
    }
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 2
        for (int j = 0; j < P; ++j)
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + r * 2 * kInt8Panel + j * kInt8Panel), c[r][j]);
}

using TileFn = void (*)(const std::uint8_t*, std::int64_t, const Int8Matrix&, int, std::int32_t*);
template <int P>
constexpr TileFn kTiles[kTileRows + 1] = {nullptr, tile<1, P>, tile<2, P>, tile<3, P>,
                                          tile<4, P>, tile<5, P>, tile<6, P>};

// The output stage for one row, columns [m, m + count) (see int8_kernels.h): eight at a time,
// then one at a time with the same operations.
void store_row(const std::int32_t* acc, int m, int count, const Int8Matrix& w, const float* mult,
               const Int8Output& o, float coef, std::int64_t row) {
    const float inv_out = 1.f / o.out_scale;
    int j = 0;
    const __m256i zx = _mm256_set1_epi32(o.in_zero);
    for (; j + 8 <= count; j += 8) {
        const int mm = m + j;
        const __m256i a = _mm256_sub_epi32(
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(acc + j)),
            _mm256_mullo_epi32(zx, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w.row_sum.data() + mm))));
        __m256 v = _mm256_add_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(a), _mm256_loadu_ps(mult + mm)),
                                 _mm256_loadu_ps(w.bias.data() + mm));
        if (o.row_coef) v = _mm256_mul_ps(v, _mm256_set1_ps(coef));
        if (o.relu) v = _mm256_max_ps(v, _mm256_setzero_ps());
        if (o.out_f32) {
            _mm256_storeu_ps(o.out_f32 + row * o.ld_out + mm, v);
            continue;
        }
        // Clamp before converting: out-of-range floats would convert to INT_MIN.
        __m256 t = _mm256_mul_ps(v, _mm256_set1_ps(inv_out));
        t = _mm256_min_ps(_mm256_max_ps(t, _mm256_set1_ps(-1024.f)), _mm256_set1_ps(1024.f));
        __m256i qi = _mm256_add_epi32(_mm256_cvtps_epi32(t), _mm256_set1_epi32(o.out_zero));
        qi = _mm256_min_epi32(_mm256_max_epi32(qi, _mm256_setzero_si256()), _mm256_set1_epi32(o.out_max));
        const __m128i q16 = _mm_packus_epi32(_mm256_castsi256_si128(qi), _mm256_extracti128_si256(qi, 1));
        _mm_storel_epi64(reinterpret_cast<__m128i*>(o.out_u8 + row * o.ld_out + mm), _mm_packus_epi16(q16, q16));
    }
    for (; j < count; ++j) {
        const int mm = m + j;
        float v = float(acc[j] - o.in_zero * w.row_sum[mm]) * mult[mm] + w.bias[mm];
        if (o.row_coef) v = v * coef;
        if (o.relu) v = std::max(v, 0.f);
        if (o.out_f32) {
            o.out_f32[row * o.ld_out + mm] = v;
        } else {
            const float t = std::nearbyint(v * inv_out) + float(o.out_zero);
            o.out_u8[row * o.ld_out + mm] = std::uint8_t(std::clamp(t, 0.f, float(o.out_max)));
        }
    }
}

}  // namespace

void quantize_u8(const float* v, std::int64_t n, float scale, std::int32_t zero, std::uint8_t* q,
                 std::int32_t qmax) {
    const float inv = 1.f / scale, hi = float(qmax);
    const __m256 vinv = _mm256_set1_ps(inv), vzero = _mm256_set1_ps(float(zero)), vhi = _mm256_set1_ps(hi),
                 vlo = _mm256_setzero_ps();
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        // Same operations as the reference: round to nearest even, add the zero point, clamp.
        __m256 t = _mm256_round_ps(_mm256_mul_ps(_mm256_loadu_ps(v + i), vinv), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        t = _mm256_min_ps(_mm256_max_ps(_mm256_add_ps(t, vzero), vlo), vhi);
        const __m256i qi = _mm256_cvttps_epi32(t);
        const __m128i q16 = _mm_packus_epi32(_mm256_castsi256_si128(qi), _mm256_extracti128_si256(qi, 1));
        _mm_storel_epi64(reinterpret_cast<__m128i*>(q + i), _mm_packus_epi16(q16, q16));
    }
    for (; i < n; ++i) q[i] = std::uint8_t(std::clamp(std::nearbyint(v[i] * inv) + float(zero), 0.f, hi));
}

void int8_gemm(const std::uint8_t* x, std::int32_t n, std::int64_t ldx, const Int8Matrix& w,
               std::int32_t m0, std::int32_t m1, const Int8Output& o, bool parallel) {
    if (n <= 0 || m1 <= m0) return;
    const int K = w.cols, Kp = w.cols_padded;
    // Rows whose stride is not a whole number of 4-byte groups, or that end before the
    // padded width, are copied into a zero-padded buffer (per calling thread).
    thread_local std::vector<std::uint8_t> padded;
    thread_local std::vector<float> mult;
    const std::uint8_t* xs = x;
    std::int64_t ldxs = ldx;
    if (Kp != K) {
        padded.assign(std::size_t(n) * Kp, 0);
        for (int r = 0; r < n; ++r) std::memcpy(padded.data() + std::size_t(r) * Kp, x + r * ldx, K);
        xs = padded.data();
        ldxs = Kp;
    }
    mult.resize(w.rows);
    for (int m = m0; m < m1; ++m) mult[m] = o.in_scale * w.scale[m];

    const int p0 = m0 / kInt8Panel, p1 = (m1 + kInt8Panel - 1) / kInt8Panel;
    const int pairs = (p1 - p0 + 1) / 2;
    const int row_tiles = (n + kTileRows - 1) / kTileRows;
    const int items = pairs * row_tiles;
    const float* mul = mult.data();
    const std::int64_t work = std::int64_t(n) * (m1 - m0) * K;
#pragma omp parallel for schedule(static) if (parallel && work >= (1 << 17))
    for (int item = 0; item < items; ++item) {
        // Consecutive items share a panel pair, whose weights stay in L1 across row tiles.
        const int pp = item / row_tiles, t = item % row_tiles;
        const int p = p0 + 2 * pp, P = std::min(2, p1 - p);
        const int r0 = t * kTileRows, R = std::min(kTileRows, n - r0);
        alignas(32) std::int32_t acc[kTileRows * 2 * kInt8Panel];
        (P == 2 ? kTiles<2> : kTiles<1>)[R](xs + r0 * ldxs, ldxs, w, p, acc);
        const int mb = std::max(m0, p * kInt8Panel), me = std::min(m1, (p + P) * kInt8Panel);
        for (int r = 0; r < R; ++r) {
            const int src_row = r0 + r;
            const std::int64_t row = o.row_index ? o.row_index[src_row] : src_row;
            const float coef = o.row_coef ? o.row_coef[src_row] : 1.f;
            store_row(acc + r * 2 * kInt8Panel + (mb - p * kInt8Panel), mb, me - mb, w, mul, o, coef, row);
        }
    }
}

}  // namespace sparq::engine::kernels::avx2

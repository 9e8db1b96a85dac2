#include "int8_kernels.h"

#include <algorithm>
#include <cmath>

#include "int8_avx2.h"

namespace sparq::engine::kernels {

void int8_pack(Int8Matrix& w) {
    const int M = w.rows, K = w.cols, Kp = (K + kInt8Group - 1) / kInt8Group * kInt8Group;
    const int panels = (M + kInt8Panel - 1) / kInt8Panel;
    w.cols_padded = Kp;
    w.row_sum.assign(M, 0);
    for (int m = 0; m < M; ++m)
        for (int k = 0; k < K; ++k) w.row_sum[m] += w.q[std::size_t(m) * K + k];
    w.packed.assign(std::size_t(panels) * Kp * kInt8Panel, 0);
    for (int p = 0; p < panels; ++p)
        for (int r = 0; r < kInt8Panel; ++r) {
            const int m = p * kInt8Panel + r;
            if (m >= M) break;
            for (int k = 0; k < K; ++k)
                w.packed[(std::size_t(p) * (Kp / kInt8Group) + k / kInt8Group) * (kInt8Group * kInt8Panel) +
                         kInt8Group * r + k % kInt8Group] =
                    w.q[std::size_t(m) * K + k];
        }
}

void quantize_u8(const float* v, std::int64_t n, float scale, std::int32_t zero, std::uint8_t* q,
                 std::int32_t qmax) {
    if (avx2::available()) {
        avx2::quantize_u8(v, n, scale, zero, q, qmax);
        return;
    }
    const float inv = 1.f / scale, hi = float(qmax);
    for (std::int64_t i = 0; i < n; ++i) {
        const float t = std::nearbyint(v[i] * inv) + float(zero);
        q[i] = std::uint8_t(std::clamp(t, 0.f, hi));
    }
}

void int8_gemm_reference(const std::uint8_t* x, std::int32_t n, std::int64_t ldx, const Int8Matrix& w,
                         std::int32_t m0, std::int32_t m1, const Int8Output& o) {
    const int K = w.cols;
    const float inv_out = 1.f / o.out_scale;
    for (int r = 0; r < n; ++r) {
        const std::uint8_t* xr = x + r * ldx;
        const std::int64_t row = o.row_index ? o.row_index[r] : r;
        for (int m = m0; m < m1; ++m) {
            std::int32_t acc = 0;
            for (int k = 0; k < K; ++k) acc += std::int32_t(xr[k]) * w.q[std::size_t(m) * K + k];
            float v = float(acc - o.in_zero * w.row_sum[m]) * (o.in_scale * w.scale[m]) + w.bias[m];
            if (o.row_coef) v = v * o.row_coef[r];
            if (o.relu) v = std::max(v, 0.f);
            if (o.out_f32) {
                o.out_f32[row * o.ld_out + m] = v;
            } else {
                const float t = std::nearbyint(v * inv_out) + float(o.out_zero);
                o.out_u8[row * o.ld_out + m] = std::uint8_t(std::clamp(t, 0.f, float(o.out_max)));
            }
        }
    }
}

namespace avx2 {
bool available() {
    static const bool ok = __builtin_cpu_supports("avx2");
    return ok;
}
}  // namespace avx2

const char* int8_simd_path() { return avx2::available() ? "avx2" : "scalar"; }

void int8_gemm_fast(const std::uint8_t* x, std::int32_t n, std::int64_t ldx, const Int8Matrix& w,
                    std::int32_t m0, std::int32_t m1, const Int8Output& o, bool parallel) {
    if (avx2::available())
        avx2::int8_gemm(x, n, ldx, w, m0, m1, o, parallel);
    else
        int8_gemm_reference(x, n, ldx, w, m0, m1, o);
}

}  // namespace sparq::engine::kernels

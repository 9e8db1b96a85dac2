#include "gated_simd.h"

#include <immintrin.h>

#include <algorithm>
#include <cstddef>

namespace sparq::engine::kernels::simd {

namespace {

void gemv_scalar(const float* W, int rows, int cols, const float* x, float* out) {
    for (int r = 0; r < rows; ++r) {
        float acc = 0.f;
        for (int i = 0; i < cols; ++i) acc += W[std::size_t(r) * cols + i] * x[i];
        out[r] = acc;
    }
}

void scale_bias_scalar(const float* v, const float* b, float c, int n, bool relu, float* dst) {
    for (int j = 0; j < n; ++j) {
        const float t = c * (v[j] + b[j]);
        dst[j] = relu ? std::max(t, 0.f) : t;
    }
}

__attribute__((target("avx2,fma"))) float hsum(__m256 v) {
    const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    const __m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(t, _mm_shuffle_ps(t, t, 1)));
}

// Four rows at a time share each load of x.
__attribute__((target("avx2,fma"))) void gemv_avx2(const float* W, int rows, int cols,
                                                   const float* x, float* out) {
    const int vec = cols & ~7;
    int r = 0;
    for (; r + 4 <= rows; r += 4) {
        const float* w0 = W + std::size_t(r) * cols;
        const float* w1 = w0 + cols;
        const float* w2 = w1 + cols;
        const float* w3 = w2 + cols;
        __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(),
               a3 = _mm256_setzero_ps();
        for (int i = 0; i < vec; i += 8) {
            const __m256 xv = _mm256_loadu_ps(x + i);
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + i), xv, a0);
            a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w1 + i), xv, a1);
            a2 = _mm256_fmadd_ps(_mm256_loadu_ps(w2 + i), xv, a2);
            a3 = _mm256_fmadd_ps(_mm256_loadu_ps(w3 + i), xv, a3);
        }
        float s0 = hsum(a0), s1 = hsum(a1), s2 = hsum(a2), s3 = hsum(a3);
        for (int i = vec; i < cols; ++i) {
            s0 += w0[i] * x[i];
            s1 += w1[i] * x[i];
            s2 += w2[i] * x[i];
            s3 += w3[i] * x[i];
        }
        out[r] = s0;
        out[r + 1] = s1;
        out[r + 2] = s2;
        out[r + 3] = s3;
    }
    for (; r < rows; ++r) {
        const float* w0 = W + std::size_t(r) * cols;
        __m256 a0 = _mm256_setzero_ps();
        for (int i = 0; i < vec; i += 8)
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + i), _mm256_loadu_ps(x + i), a0);
        float s0 = hsum(a0);
        for (int i = vec; i < cols; ++i) s0 += w0[i] * x[i];
        out[r] = s0;
    }
}

// A 3x4 register tile (3 inputs x 4 weight rows, 12 accumulators + 4 operands = 16 ymm):
// each step does 12 FMAs for 7 loads, so the loop is bound by FMA throughput, not loads.
// No packing: both operands are already contiguous along `cols`.
__attribute__((target("avx2,fma"))) void gemm_nt_avx2(const float* X, int rows_x, const float* W,
                                                      int rows_w, int cols, float* Y) {
    const int vec = cols & ~7;
    int n = 0;
    for (; n + 3 <= rows_x; n += 3) {
        const float* x0 = X + std::size_t(n) * cols;
        const float* x1 = x0 + cols;
        const float* x2 = x1 + cols;
        int m = 0;
        for (; m + 4 <= rows_w; m += 4) {
            const float* w[4] = {W + std::size_t(m) * cols, W + std::size_t(m + 1) * cols,
                                 W + std::size_t(m + 2) * cols, W + std::size_t(m + 3) * cols};
            // Twelve named accumulators: an array here ends up on the stack at -O2.
            __m256 c00 = _mm256_setzero_ps(), c01 = c00, c02 = c00, c03 = c00;
            __m256 c10 = c00, c11 = c00, c12 = c00, c13 = c00;
            __m256 c20 = c00, c21 = c00, c22 = c00, c23 = c00;
            for (int i = 0; i < vec; i += 8) {
                const __m256 a0 = _mm256_loadu_ps(x0 + i), a1 = _mm256_loadu_ps(x1 + i),
                             a2 = _mm256_loadu_ps(x2 + i);
                __m256 b = _mm256_loadu_ps(w[0] + i);
                c00 = _mm256_fmadd_ps(a0, b, c00);
                c10 = _mm256_fmadd_ps(a1, b, c10);
                c20 = _mm256_fmadd_ps(a2, b, c20);
                b = _mm256_loadu_ps(w[1] + i);
                c01 = _mm256_fmadd_ps(a0, b, c01);
                c11 = _mm256_fmadd_ps(a1, b, c11);
                c21 = _mm256_fmadd_ps(a2, b, c21);
                b = _mm256_loadu_ps(w[2] + i);
                c02 = _mm256_fmadd_ps(a0, b, c02);
                c12 = _mm256_fmadd_ps(a1, b, c12);
                c22 = _mm256_fmadd_ps(a2, b, c22);
                b = _mm256_loadu_ps(w[3] + i);
                c03 = _mm256_fmadd_ps(a0, b, c03);
                c13 = _mm256_fmadd_ps(a1, b, c13);
                c23 = _mm256_fmadd_ps(a2, b, c23);
            }
            const __m256 acc[3][4] = {{c00, c01, c02, c03}, {c10, c11, c12, c13}, {c20, c21, c22, c23}};
            const float* xs[3] = {x0, x1, x2};
            for (int r = 0; r < 3; ++r)
                for (int j = 0; j < 4; ++j) {
                    float v = hsum(acc[r][j]);
                    for (int i = vec; i < cols; ++i) v += xs[r][i] * w[j][i];
                    Y[std::size_t(n + r) * rows_w + m + j] = v;
                }
        }
        for (; m < rows_w; ++m)  // leftover weight rows
            for (int r = 0; r < 3; ++r)
                gemv_avx2(W + std::size_t(m) * cols, 1, cols, X + std::size_t(n + r) * cols,
                          Y + std::size_t(n + r) * rows_w + m);
    }
    for (; n < rows_x; ++n) {  // leftover inputs: one row of Y at a time
        float* yrow = Y + std::size_t(n) * rows_w;
        gemv_avx2(W, rows_w, cols, X + std::size_t(n) * cols, yrow);
    }
}

__attribute__((target("avx2,fma"))) void scale_bias_avx2(const float* v, const float* b, float c,
                                                         int n, bool relu, float* dst) {
    const __m256 cv = _mm256_set1_ps(c), zero = _mm256_setzero_ps();
    int j = 0;
    for (; j + 8 <= n; j += 8) {
        __m256 t = _mm256_mul_ps(cv, _mm256_add_ps(_mm256_loadu_ps(v + j), _mm256_loadu_ps(b + j)));
        if (relu) t = _mm256_max_ps(t, zero);
        _mm256_storeu_ps(dst + j, t);
    }
    scale_bias_scalar(v + j, b + j, c, n - j, relu, dst + j);
}

const bool kAvx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");

}  // namespace

bool have_avx2() { return kAvx2; }

void gemv(const float* W, int rows, int cols, const float* x, float* out) {
    if (kAvx2)
        gemv_avx2(W, rows, cols, x, out);
    else
        gemv_scalar(W, rows, cols, x, out);
}

void gemm_nt(const float* X, int rows_x, const float* W, int rows_w, int cols, float* Y) {
    if (kAvx2) {
        gemm_nt_avx2(X, rows_x, W, rows_w, cols, Y);
        return;
    }
    for (int n = 0; n < rows_x; ++n)
        gemv_scalar(W, rows_w, cols, X + std::size_t(n) * cols, Y + std::size_t(n) * rows_w);
}

void scale_bias_store(const float* v, const float* b, float c, int n, bool relu, float* dst) {
    if (kAvx2)
        scale_bias_avx2(v, b, c, n, relu, dst);
    else
        scale_bias_scalar(v, b, c, n, relu, dst);
}

}  // namespace sparq::engine::kernels::simd

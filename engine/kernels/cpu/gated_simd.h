#pragma once
// The SIMD building blocks of the gated kernels, dispatched at run time: AVX2+FMA where the
// CPU has it, plain loops otherwise.
#include <cstdint>

namespace sparq::engine::kernels::simd {

bool have_avx2();
/// out[r] = dot(W[r, :], x) for r < rows; W is [rows][cols] row-major.
void gemv(const float* W, int rows, int cols, const float* x, float* out);
/// Y[n][m] = dot(X[n, :], W[m, :]) for n < rows_x, m < rows_w (X·Wᵀ); both row-major with
/// `cols` columns, Y row-major with `rows_w` columns. For the small products of one block.
void gemm_nt(const float* X, int rows_x, const float* W, int rows_w, int cols, float* Y);
/// dst[j] = c * (v[j] + b[j]), clamped at 0 when relu.
void scale_bias_store(const float* v, const float* b, float c, int n, bool relu, float* dst);

}  // namespace sparq::engine::kernels::simd

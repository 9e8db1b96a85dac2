#pragma once
// The SIMD building blocks of the gated kernels, dispatched at run time: AVX2+FMA where the
// CPU has it, plain loops otherwise.
#include <cstdint>

namespace sparq::engine::kernels::simd {

bool have_avx2();
/// out[r] = dot(W[r, :], x) for r < rows; W is [rows][cols] row-major.
void gemv(const float* W, int rows, int cols, const float* x, float* out);
/// dst[j] = c * (v[j] + b[j]), clamped at 0 when relu.
void scale_bias_store(const float* v, const float* b, float c, int n, bool relu, float* dst);

}  // namespace sparq::engine::kernels::simd

#pragma once
// The AVX2 path of the INT8 kernels (int8_avx2.cpp is the only file built with -mavx2;
// callers check available() first).
#include "int8_kernels.h"

namespace sparq::engine::kernels::avx2 {

/// True when this CPU has AVX2 (checked once).
bool available();

void int8_gemm(const std::uint8_t* x, std::int32_t n, std::int64_t ldx, const Int8Matrix& w,
               std::int32_t m0, std::int32_t m1, const Int8Output& out, bool parallel);

void quantize_u8(const float* v, std::int64_t n, float scale, std::int32_t zero, std::uint8_t* q,
                 std::int32_t qmax);

}  // namespace sparq::engine::kernels::avx2

#pragma once
// CUDA INT8 GEMM of the quantized inference path (see cpu/int8_kernels.h for the semantics).
// Plain C++ declarations, no CUDA headers: callable from host-only translation units.
//
// The int32 accumulators are exact and the output stage performs the same float operations,
// in the same order and without FMA contraction, as int8_gemm_reference: results are bit
// for bit identical to it (uint8 and float outputs alike).
//
// Errors (invalid shapes or arguments, CUDA failures) are thrown as std::runtime_error; CUDA
// failures carry the CUDA error string.
#include <cstdint>
#include <vector>

#include "cpu/int8_kernels.h"

namespace sparq::engine::kernels::cuda {

/// Row stride, in bytes, of the device weight layout: K rounded up to a multiple of 4 (one
/// __dp4a word), the padding bytes zero.
inline std::int32_t int8_cuda_ld(std::int32_t cols) { return (cols + 3) & ~3; }

/// The device weight layout of w on the host: q[rows][int8_cuda_ld(cols)], zero padded.
std::vector<std::int8_t> int8_cuda_layout(const Int8Matrix& w);

/// A weight matrix in device memory (what Int8Matrix is on the host).
struct Int8WeightsDevice {
    std::int32_t rows = 0;           // M
    std::int32_t cols = 0;           // K
    std::int32_t ld = 0;             // row stride of q in bytes: int8_cuda_ld(cols) or more, padding zero
    const std::int8_t* q = nullptr;  // [rows][ld], 4-byte aligned (as cudaMalloc returns)
    const float* scale = nullptr;    // [rows]
    const float* bias = nullptr;     // [rows]
    const std::int32_t* row_sum = nullptr;  // [rows], as int8_pack computes it
};

/// Int8Output with every pointer a device pointer. row_index entries must be distinct (the
/// output rows are written concurrently).
struct Int8OutputDevice {
    float in_scale = 1.f;
    std::int32_t in_zero = 0;
    bool relu = false;
    const float* row_coef = nullptr;          // [n]; null = 1
    const std::int32_t* row_index = nullptr;  // [n]; null = same row
    std::uint8_t* out_u8 = nullptr;           // exactly one of out_u8 / out_f32
    float out_scale = 1.f;
    std::int32_t out_zero = 0;
    std::int32_t out_max = kActMax;           // clamp of the requantized output
    float* out_f32 = nullptr;
    std::int64_t ld_out = 0;                  // output row stride in elements
};

/// Output rows [m0, m1) of W times the n uint8 rows of x (row stride ldx >= K bytes; any
/// alignment), written like int8_gemm_reference. Exact for the whole uint8 range: inputs need
/// not keep to kActMax here. All pointers are device pointers. `stream`
/// is a cudaStream_t or nullptr (the default stream). Asynchronous with respect to the host.
void int8_gemm_cuda(const std::uint8_t* x_device, std::int32_t n, std::int64_t ldx,
                    const Int8WeightsDevice& w, std::int32_t m0, std::int32_t m1,
                    const Int8OutputDevice& out, void* stream = nullptr);

/// Host convenience with int8_gemm_reference's exact signature and effect: copies w (q packed
/// by int8_pack: row_sum filled), x and the output arrays' inputs to the current device, runs
/// int8_gemm_cuda and writes back only the elements the reference writes (rows row_index[r]
/// or r, columns [m0, m1)). Synchronous; allocates and frees its device buffers per call.
void int8_gemm_cuda_host(const std::uint8_t* x, std::int32_t n, std::int64_t ldx, const Int8Matrix& w,
                         std::int32_t m0, std::int32_t m1, const Int8Output& out);

}  // namespace sparq::engine::kernels::cuda

#pragma once
// INT8 inference kernels. Plain C++, no torch.
//
// A quantized linear map y = W x + b with
//   - weights: per-output-row symmetric int8, w_real[m][k] = scale[m] * q[m][k], q in [-127, 127];
//   - activations: per-tensor affine unsigned 7-bit, x_real = in_scale * (x_q - in_zero),
//     x_q in [0, 127] (kActMax; see below).
// The kernels accumulate in int32, exactly:
//   acc[n][m] = sum_k x_q[n][k] * q[m][k]
// and the output stage (identical float operations in every implementation, so results agree
// bit for bit) computes
//   v = float(acc - in_zero * row_sum[m]) * (in_scale * scale[m]) + bias[m]
//   v = v * row_coef[n]            (gated layers only)
//   v = max(v, 0)                  (when relu)
// then either stores v (float output) or requantizes it:
//   out_q = clamp(nearbyint(v * (1 / out_scale)) + out_zero, 0, out_max).
//
// The fast path (AVX2 where the CPU has it) multiplies uint8 activations by int8 weights with
// vpmaddubsw (32 multiply-adds into 16-bit pair sums) and widens with vpmaddwd. A pair sum
// must not saturate at 16 bits: with activations <= 127 and weights in [-127, 127] it is at
// most 2 * 127 * 127 = 32258, so the result is exact. Hence 7-bit activations, the same
// "reduced range" PyTorch's FBGEMM backend uses on CPUs without VNNI. Measured on this
// machine's Zen 3 core, the pair does 32 multiply-adds in 0.46 ns where vpmaddwd on int16
// does 16 in 0.40 ns: 1.7x the rate for one bit of activation range (docs/BENCHMARKS.md).
#include <cstdint>
#include <vector>

namespace sparq::engine::kernels {

/// Output rows per packed panel; M is padded up to a multiple of it with zero rows.
inline constexpr int kInt8Panel = 8;
/// Inputs per packed group (one 32-bit lane of vpmaddubsw + vpmaddwd); K is padded up to it.
inline constexpr int kInt8Group = 4;
/// Largest activation value the kernels accept (see above); weights lie in [-127, 127].
inline constexpr int kActMax = 127;

struct Int8Matrix {
    std::int32_t rows = 0;           // M (outputs)
    std::int32_t cols = 0;           // K (inputs)
    std::vector<std::int8_t> q;      // [rows][cols]
    std::vector<float> scale;        // [rows]
    std::vector<float> bias;         // [rows]
    // Derived by int8_pack():
    std::int32_t cols_padded = 0;    // K rounded up to a multiple of kInt8Group
    std::vector<std::int32_t> row_sum;   // [rows] sum_k q[m][k]
    std::vector<std::int8_t> packed;     // [ceil(M/8)][Kp/4][8][4]
};

/// Fills cols_padded, row_sum and packed from q. Call after changing q.
void int8_pack(Int8Matrix& w);

/// The output stage of one product (see the top of this file).
struct Int8Output {
    float in_scale = 1.f;
    std::int32_t in_zero = 0;
    bool relu = false;
    const float* row_coef = nullptr;        // per input row; null = 1
    const std::int32_t* row_index = nullptr;  // output row of each input row; null = same row
    // Exactly one of out_u8 / out_f32 is set. Columns [m0, m1) of the output rows are written.
    std::uint8_t* out_u8 = nullptr;
    float out_scale = 1.f;
    std::int32_t out_zero = 0;
    std::int32_t out_max = kActMax;         // clamp of the requantized output
    float* out_f32 = nullptr;
    std::int64_t ld_out = 0;                // output row stride in elements
};

/// Output rows m0..m1 of W times the n input rows x (uint8 <= kActMax, row stride ldx),
/// straightforward loops that define the results. W must have been packed.
void int8_gemm_reference(const std::uint8_t* x, std::int32_t n, std::int64_t ldx, const Int8Matrix& w,
                         std::int32_t m0, std::int32_t m1, const Int8Output& out);

/// The same through the fast path. m0 and m1 must be multiples of kInt8Panel (or m1 == rows).
/// `parallel`: split the work over OpenMP threads (false inside an enclosing parallel region).
void int8_gemm_fast(const std::uint8_t* x, std::int32_t n, std::int64_t ldx, const Int8Matrix& w,
                    std::int32_t m0, std::int32_t m1, const Int8Output& out, bool parallel = true);

/// Quantizes n floats: q = clamp(nearbyint(v * (1 / scale)) + zero, 0, qmax).
void quantize_u8(const float* v, std::int64_t n, float scale, std::int32_t zero, std::uint8_t* q,
                 std::int32_t qmax = kActMax);

/// Which path int8_gemm_fast takes on this CPU ("avx2" or "scalar").
const char* int8_simd_path();

}  // namespace sparq::engine::kernels

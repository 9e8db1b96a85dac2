#include <cuda_runtime.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "cuda_host.cuh"
#include "int8_gemm.cuh"

namespace sparq::engine::kernels::cuda {

namespace {

// ---------------------------------------------------------------- errors and checks


void fail(const std::string& what) { throw std::runtime_error("int8 CUDA GEMM: " + what); }

// What both entry points require of the shapes and the output description.
void validate(std::int32_t n, std::int64_t ldx, std::int32_t rows, std::int32_t cols, std::int32_t m0,
              std::int32_t m1, bool has_u8, bool has_f32, std::int32_t out_max, std::int64_t ld_out) {
    if (rows < 0 || cols < 0) fail("negative weight shape");
    if (n < 0) fail("negative number of input rows");
    if (m0 < 0 || m0 > m1 || m1 > rows) fail("need 0 <= m0 <= m1 <= rows");
    if (ldx < cols) fail("the input row stride ldx is smaller than K");
    if (has_u8 == has_f32) fail("set exactly one of out_u8 and out_f32");
    if (has_u8 && (out_max < 0 || out_max > 255)) fail("out_max must lie in [0, 255] for a uint8 output");
    if (ld_out < 0 || (n > 1 && ld_out < m1)) fail("the output row stride ld_out is smaller than m1");
}

// ---------------------------------------------------------------- the kernel

constexpr int kTileK = 64;           // K bytes per shared-memory tile
constexpr int kTileKW = kTileK / 4;  // the same in __dp4a words
// XOR with 0x80 maps a uint8 u to the int8 (u - 128) exactly, four bytes at a time.
constexpr unsigned kSignFlip = 0x80808080u;

// Bytes k..k+3 of an input row as a __dp4a word of (x - 128) values, byte k in the low bits
// (the order the weights have when read as a little-endian word). Bytes at K and beyond
// count as zero. kAligned: row + k is 4-byte aligned, so a whole word inside the row is one
// load; the row's last partial word is read byte by byte, never past the row's end.
template <bool kAligned>
__device__ __forceinline__ int load_x_word(const std::uint8_t* __restrict__ row, int k, int K) {
    if (kAligned && k + 4 <= K) return int(*reinterpret_cast<const unsigned*>(row + k) ^ kSignFlip);
    unsigned v = 0;
#pragma unroll
    for (int b = 0; b < 4; ++b)
        if (k + b < K) v |= (unsigned(row[k + b]) ^ 0x80u) << (8 * b);
    return int(v);
}

// One CUDA block computes a BN (inputs) x BM (outputs) tile; each thread a TN x TM register
// tile of int32 accumulators, its rows strided by BN/TN and columns by BM/TM so that a warp's
// shared-memory reads are broadcasts (x) or consecutive words (w). K advances in kTileK-byte
// tiles staged through shared memory, the next tile's global loads in flight (registers)
// while the current one is multiplied. Shared rows are padded by one word, so that a warp's
// reads of 16 or 32 different weight rows fall in different banks.
//
// uint8 x int8 exactly with the signed __dp4a: the activations are shifted to int8 by
// x' = x - 128, so acc' = sum_k x'[k] q[k] and the true sum is acc' + 128 * row_sum. The
// correction is folded with the zero point's into one term, (128 - in_zero) * row_sum,
// added modulo 2^32 (unsigned), which equals the reference's int32 value whenever that one
// does not overflow. The shifted products are bounded by 128 * 127, tighter than 255 * 127.
template <int BN, int BM, int TN, int TM, bool kAlignedX>
__global__ void __launch_bounds__((BN / TN) * (BM / TM))
int8_gemm_kernel(const std::uint8_t* __restrict__ x, int n, std::int64_t ldx, Int8WeightsDevice w, int m0,
                 int m1, Int8OutputDevice o, float inv_out) {
    constexpr int kStrideN = BN / TN, kStrideM = BM / TM, kThreads = kStrideN * kStrideM;
    constexpr int kXLoads = BN * kTileKW / kThreads, kWLoads = BM * kTileKW / kThreads;
    static_assert(BN % TN == 0 && BM % TM == 0, "tile sizes must divide");
    static_assert(BN * kTileKW % kThreads == 0 && BM * kTileKW % kThreads == 0, "whole loads per thread");

    __shared__ int xs[BN][kTileKW + 1];
    __shared__ int ws[BM][kTileKW + 1];

    const int tid = threadIdx.x, tx = tid % kStrideM, ty = tid / kStrideM;
    const int nb = blockIdx.y * BN, mb = m0 + blockIdx.x * BM;
    const int K = w.cols, Kw = (K + 3) / 4, tiles = (Kw + kTileKW - 1) / kTileKW;
    const int* __restrict__ wq = reinterpret_cast<const int*>(w.q);
    const int ldw = w.ld / 4;

    // Global -> registers for one K tile. Consecutive threads read consecutive words of a
    // row; rows and words outside the matrices load as zero.
    int xr[kXLoads], wr[kWLoads];
    auto fetch = [&](int tile) {
#pragma unroll
        for (int l = 0; l < kXLoads; ++l) {
            const int idx = tid + l * kThreads, r = nb + idx / kTileKW, kw = tile * kTileKW + idx % kTileKW;
            xr[l] = r < n && kw < Kw ? load_x_word<kAlignedX>(x + r * ldx, 4 * kw, K) : 0;
        }
#pragma unroll
        for (int l = 0; l < kWLoads; ++l) {
            const int idx = tid + l * kThreads, m = mb + idx / kTileKW, kw = tile * kTileKW + idx % kTileKW;
            wr[l] = m < m1 && kw < Kw ? wq[std::int64_t(m) * ldw + kw] : 0;
        }
    };

    int acc[TN][TM] = {};
    if (tiles > 0) fetch(0);
    for (int t = 0; t < tiles; ++t) {
#pragma unroll
        for (int l = 0; l < kXLoads; ++l) {
            const int idx = tid + l * kThreads;
            xs[idx / kTileKW][idx % kTileKW] = xr[l];
        }
#pragma unroll
        for (int l = 0; l < kWLoads; ++l) {
            const int idx = tid + l * kThreads;
            ws[idx / kTileKW][idx % kTileKW] = wr[l];
        }
        __syncthreads();
        if (t + 1 < tiles) fetch(t + 1);
#pragma unroll
        for (int kw = 0; kw < kTileKW; ++kw) {
            int a[TN], b[TM];
#pragma unroll
            for (int i = 0; i < TN; ++i) a[i] = xs[ty + i * kStrideN][kw];
#pragma unroll
            for (int j = 0; j < TM; ++j) b[j] = ws[tx + j * kStrideM][kw];
#pragma unroll
            for (int i = 0; i < TN; ++i)
#pragma unroll
                for (int j = 0; j < TM; ++j) acc[i][j] = __dp4a(a[i], b[j], acc[i][j]);
        }
        __syncthreads();  // the tile is overwritten next
    }

    // The output stage of int8_gemm_reference, operation for operation: __fmul_rn/__fadd_rn
    // forbid FMA contraction, rintf is nearbyint (round half to even), and max/clamp are
    // written with std::max's and std::clamp's comparisons (so -0 and NaN come out the same).
    const unsigned zero_fix = 128u - unsigned(o.in_zero);
    const float out_max = __int2float_rn(o.out_max);
#pragma unroll
    for (int j = 0; j < TM; ++j) {
        const int m = mb + tx + j * kStrideM;
        if (m >= m1) continue;
        const int rs = w.row_sum[m];
        const float s = __fmul_rn(o.in_scale, w.scale[m]), bias = w.bias[m];
        const unsigned fix = zero_fix * unsigned(rs);
#pragma unroll
        for (int i = 0; i < TN; ++i) {
            const int r = nb + ty + i * kStrideN;
            if (r >= n) continue;
            const int corrected = int(unsigned(acc[i][j]) + fix);  // acc - in_zero * row_sum
            float v = __fadd_rn(__fmul_rn(__int2float_rn(corrected), s), bias);
            if (o.row_coef) v = __fmul_rn(v, o.row_coef[r]);
            if (o.relu) v = v < 0.f ? 0.f : v;
            const std::int64_t at = std::int64_t(o.row_index ? o.row_index[r] : r) * o.ld_out + m;
            if (o.out_f32) {
                o.out_f32[at] = v;
            } else {
                float q = __fadd_rn(rintf(__fmul_rn(v, inv_out)), __int2float_rn(o.out_zero));
                q = q < 0.f ? 0.f : (out_max < q ? out_max : q);
                o.out_u8[at] = std::uint8_t(q);
            }
        }
    }
}

template <int BN, int BM, int TN, int TM>
void launch(const std::uint8_t* x, int n, std::int64_t ldx, const Int8WeightsDevice& w, int m0, int m1,
            const Int8OutputDevice& o, float inv_out, cudaStream_t stream) {
    const std::int64_t blocks_n = (std::int64_t(n) + BN - 1) / BN;
    if (blocks_n > 65535) fail("too many input rows for one launch (" + std::to_string(n) + ")");
    const dim3 grid(unsigned((m1 - m0 + BM - 1) / BM), unsigned(blocks_n));
    constexpr int threads = (BN / TN) * (BM / TM);
    const bool aligned = reinterpret_cast<std::uintptr_t>(x) % 4 == 0 && ldx % 4 == 0;
    if (aligned)
        int8_gemm_kernel<BN, BM, TN, TM, true><<<grid, threads, 0, stream>>>(x, n, ldx, w, m0, m1, o, inv_out);
    else
        int8_gemm_kernel<BN, BM, TN, TM, false><<<grid, threads, 0, stream>>>(x, n, ldx, w, m0, m1, o, inv_out);
    SPARQ_CUDA_CHECK(cudaGetLastError());
}

// ---------------------------------------------------------------- host buffers

// Columns [m0, m1) of the device rows `rows` (stride ld_dev) back to the host output:
// row rows[r] (or r) at host stride ld_out. Only those elements are written.
template <class T>
void download_written(const T* dev, std::int64_t ld_dev, std::int64_t dev_rows, const std::int32_t* row_index,
                      std::int32_t n, std::int32_t m0, std::int32_t m1, T* host, std::int64_t ld_out) {
    const std::size_t width = std::size_t(m1 - m0);
    std::vector<T> staging(width * std::size_t(dev_rows));
    SPARQ_CUDA_CHECK(cudaMemcpy2D(staging.data(), width * sizeof(T), dev + m0, std::size_t(ld_dev) * sizeof(T),
                                  width * sizeof(T), std::size_t(dev_rows), cudaMemcpyDeviceToHost));
    for (std::int32_t r = 0; r < n; ++r) {
        const std::int64_t row = row_index ? row_index[r] : r;
        std::copy_n(staging.data() + std::size_t(row) * width, width, host + row * ld_out + m0);
    }
}

}  // namespace

// ---------------------------------------------------------------- entry points

std::vector<std::int8_t> int8_cuda_layout(const Int8Matrix& w) {
    if (w.rows < 0 || w.cols < 0 || w.q.size() != std::size_t(w.rows) * std::size_t(w.cols))
        fail("the weight matrix's q does not hold rows * cols values");
    const std::size_t K = std::size_t(w.cols), ld = std::size_t(int8_cuda_ld(w.cols));
    std::vector<std::int8_t> out(std::size_t(w.rows) * ld, 0);
    for (std::size_t m = 0; m < std::size_t(w.rows); ++m)
        std::copy_n(w.q.data() + m * K, K, out.data() + m * ld);
    return out;
}

void int8_gemm_cuda(const std::uint8_t* x, std::int32_t n, std::int64_t ldx, const Int8WeightsDevice& w,
                    std::int32_t m0, std::int32_t m1, const Int8OutputDevice& o, void* stream) {
    validate(n, ldx, w.rows, w.cols, m0, m1, o.out_u8 != nullptr, o.out_f32 != nullptr, o.out_max, o.ld_out);
    if (w.ld < int8_cuda_ld(w.cols) || w.ld % 4 != 0)
        fail("the weights' row stride must be a multiple of 4 and at least int8_cuda_ld(cols)");
    if (n == 0 || m0 == m1) return;
    if (!w.q || !w.scale || !w.bias || !w.row_sum || (w.cols > 0 && !x))
        fail("null device pointer among x, q, scale, bias and row_sum");
    if (reinterpret_cast<std::uintptr_t>(w.q) % 4 != 0) fail("the device weights q must be 4-byte aligned");
    // 1 / out_scale as the reference computes it (IEEE division on the host).
    const float inv_out = 1.f / o.out_scale;
    const cudaStream_t st = static_cast<cudaStream_t>(stream);
    // Few inputs (token-by-token inference): narrow, tall tiles so that the weights, the
    // whole cost there, are spread over many blocks. Otherwise square 64 x 64 tiles, 4 x 4
    // accumulators per thread.
    if (n <= 16)
        launch<16, 32, 2, 1>(x, n, ldx, w, m0, m1, o, inv_out, st);
    else
        launch<64, 64, 4, 4>(x, n, ldx, w, m0, m1, o, inv_out, st);
}

void int8_gemm_cuda_host(const std::uint8_t* x, std::int32_t n, std::int64_t ldx, const Int8Matrix& w,
                         std::int32_t m0, std::int32_t m1, const Int8Output& out) {
    // Everything is checked before the first CUDA call: no device is needed to be told.
    validate(n, ldx, w.rows, w.cols, m0, m1, out.out_u8 != nullptr, out.out_f32 != nullptr, out.out_max,
             out.ld_out);
    const std::size_t M = std::size_t(w.rows), K = std::size_t(w.cols);
    if (w.q.size() != M * K || w.scale.size() != M || w.bias.size() != M)
        fail("the weight matrix's q, scale or bias does not match rows x cols");
    if (w.row_sum.size() != M) fail("the weights have no row sums: call int8_pack first");
    if (n > 0 && K > 0 && !x) fail("null input x");
    std::int64_t dev_rows = n;  // output rows the device writes
    if (out.row_index && n > 0) {
        std::vector<std::int32_t> sorted(out.row_index, out.row_index + n);
        std::sort(sorted.begin(), sorted.end());
        if (sorted.front() < 0) fail("negative row_index entry");
        if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
            fail("row_index has repeated entries; the CUDA kernel needs distinct output rows");
        dev_rows = std::int64_t(sorted.back()) + 1;
    }
    if (n == 0 || m0 == m1) return;

    // The inputs as given (same stride, so an unaligned ldx takes the byte-load path), the
    // weights in the device layout, the output dense with stride m1.
    const std::size_t x_bytes = K > 0 ? std::size_t(n - 1) * std::size_t(ldx) + K : 0;
    const std::vector<std::int8_t> q = int8_cuda_layout(w);
    const std::size_t out_elems = std::size_t(dev_rows) * std::size_t(m1);
    DeviceArray<std::uint8_t> xd(x_bytes), yq(out.out_u8 ? out_elems : 0);
    DeviceArray<std::int8_t> qd(q.size());
    DeviceArray<float> scale(M), bias(M), coef(out.row_coef ? std::size_t(n) : 0), yf(out.out_f32 ? out_elems : 0);
    DeviceArray<std::int32_t> row_sum(M), index(out.row_index ? std::size_t(n) : 0);
    xd.upload(x);
    qd.upload(q.data());
    scale.upload(w.scale.data());
    bias.upload(w.bias.data());
    row_sum.upload(w.row_sum.data());
    if (out.row_coef) coef.upload(out.row_coef);
    if (out.row_index) index.upload(out.row_index);

    const Int8WeightsDevice dw{w.rows, w.cols, int8_cuda_ld(w.cols), qd.get(), scale.get(), bias.get(), row_sum.get()};
    Int8OutputDevice dout;
    dout.in_scale = out.in_scale;
    dout.in_zero = out.in_zero;
    dout.relu = out.relu;
    dout.row_coef = out.row_coef ? coef.get() : nullptr;
    dout.row_index = out.row_index ? index.get() : nullptr;
    dout.out_u8 = yq.get();
    dout.out_scale = out.out_scale;
    dout.out_zero = out.out_zero;
    dout.out_max = out.out_max;
    dout.out_f32 = yf.get();
    dout.ld_out = m1;
    int8_gemm_cuda(K > 0 ? xd.get() : nullptr, n, ldx, dw, m0, m1, dout, nullptr);
    SPARQ_CUDA_CHECK(cudaStreamSynchronize(nullptr));  // surfaces errors raised while running

    if (out.out_f32)
        download_written(yf.get(), m1, dev_rows, out.row_index, n, m0, m1, out.out_f32, out.ld_out);
    else
        download_written(yq.get(), m1, dev_rows, out.row_index, n, m0, m1, out.out_u8, out.ld_out);
}

}  // namespace sparq::engine::kernels::cuda

#include <cuda_runtime.h>

#include <climits>
#include <cstddef>
#include <stdexcept>
#include <string>

#include "cuda_host.cuh"
#include "gated_dispatch.cuh"

namespace sparq::engine::kernels::cuda {

namespace {

// ---------------------------------------------------------------- errors and checks


void fail(const std::string& what) { throw std::runtime_error("gated CUDA kernels: " + what); }

constexpr int kMaxGroups = 256;   // as validated by the specs and assumed by select_blocks
constexpr int kMaxBlocks = 4096;

void validate_shape(const GatedShape& s) {
    if (s.in < 1 || s.out < 1) fail("in and out must be positive");
    if (s.groups < 1 || s.groups > kMaxGroups) fail("groups must be in [1, 256]");
    if (s.blocks < 1 || s.blocks > kMaxBlocks) fail("blocks must be in [1, 4096]");
    if (s.blocks % s.groups != 0) fail("blocks must be a multiple of groups");
    if (s.out % s.blocks != 0) fail("out must be a multiple of blocks");
}

void validate_route(const GatedShape& s, const GatePolicy& p, const Routing& r, std::int32_t batch) {
    validate_shape(s);
    if (batch < 0) fail("negative batch");
    if (p.mode == GateMode::TopK &&
        (p.k_groups < 1 || p.k_groups > s.groups || p.k_blocks < 1 || p.k_blocks > s.blocks_per_group()))
        fail("top-k needs 1 <= k_groups <= groups and 1 <= k_blocks <= blocks/groups");
    if (p.mode != GateMode::TopK && p.mode != GateMode::Threshold) fail("unknown gate mode");
    if (r.width < p.max_active(s)) fail("routing width is smaller than the policy's max_active");
}

// ---------------------------------------------------------------- device helpers

constexpr int kRouteThreads = 256;  // 8 warps per input
constexpr int kApplyThreads = 128;  // 4 warps per (input, kept block) pair
constexpr unsigned kFullMask = 0xffffffffu;

__device__ __forceinline__ float warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(kFullMask, v, o);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(kFullMask, v, o));
    return v;
}

// Dot product of a weight row with an input, one warp: lanes stride over the row so each
// step reads 32 consecutive floats (coalesced); the result is in every lane.
__device__ __forceinline__ float warp_dot(const float* __restrict__ row, const float* __restrict__ x,
                                          int n) {
    float acc = 0.f;
    for (int i = threadIdx.x & 31; i < n; i += 32) acc += row[i] * x[i];
    return warp_sum(acc);
}

// Sum over the CUDA block; every thread gets the same value. `red` is [32] shared.
__device__ float block_sum(float v, float* red) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    v = warp_sum(v);
    if (lane == 0) red[warp] = v;
    __syncthreads();
    float total = 0.f;
    for (int w = 0; w < int(blockDim.x >> 5); ++w) total += red[w];
    __syncthreads();  // red is reused by the next call
    return total;
}

// Exclusive prefix count of `flag` over the CUDA block's threads in thread order, and the
// block's total. Every thread must call it. `warp_counts` is [32] shared.
__device__ int block_exclusive_count(bool flag, int* total, int* warp_counts) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const unsigned ballot = __ballot_sync(kFullMask, flag);
    if (lane == 0) warp_counts[warp] = __popc(ballot);
    __syncthreads();
    int before = 0, all = 0;
    for (int w = 0; w < int(blockDim.x >> 5); ++w) {
        if (w < warp) before += warp_counts[w];
        all += warp_counts[w];
    }
    __syncthreads();  // warp_counts is reused by the next call
    *total = all;
    return before + __popc(ballot & ((1u << lane) - 1u));
}

// In-place softmax of v[0..n) by one warp, times `scale`: the coarse gate (scale 1) and the
// fine gate of one group (scale p_group). Each lane only touches its own elements.
__device__ void warp_softmax(float* v, int n, float scale) {
    const int lane = threadIdx.x & 31;
    float m = -INFINITY;
    for (int i = lane; i < n; i += 32) m = fmaxf(m, v[i]);
    m = warp_max(m);
    float z = 0.f;
    for (int i = lane; i < n; i += 32) z += v[i] = expf(v[i] - m);
    z = warp_sum(z);
    const float f = scale / z;
    for (int i = lane; i < n; i += 32) v[i] *= f;
}

// The CPU kernels' ordering (select_blocks): a beats b when its value is higher, or equal
// with a lower index. A strict total order, so ranks under it are unique.
__device__ __forceinline__ bool beats(const float* v, int a, int b) {
    return v[a] > v[b] || (v[a] == v[b] && a < b);
}

// ---------------------------------------------------------------- kernels

// The gate for one input per CUDA block: logits, both softmaxes, then the selection of
// select_blocks (gated_kernels.cpp) written as ranks so that threads can work in parallel:
// the block of rank k goes to slot k, which is where partial_sort would have put it.
// Dynamic shared memory: (groups + blocks) floats.
__global__ void __launch_bounds__(kRouteThreads)
route_kernel(GatedShape s, GatePolicy p, GatedWeights w, const float* __restrict__ x, Routing r) {
    extern __shared__ float logits[];  // [G] coarse then [E] fine; become p_group and s_e
    __shared__ int kept_group[kMaxGroups];
    __shared__ float red[32];
    __shared__ int warp_counts[32];

    const int G = s.groups, E = s.blocks, per = E / G, D = s.in;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    const int n = blockIdx.x;
    const float* xn = x + std::size_t(n) * D;
    int* slot_block = r.block + std::size_t(n) * r.width;
    float* slot_coef = r.coef + std::size_t(n) * r.width;
    float* pg = logits;
    float* score = logits + G;

    // 1. Gate logits, one warp per row of [Wc; Wf].
    for (int row = warp; row < G + E; row += warps) {
        const bool coarse = row < G;
        const float* wr = coarse ? w.gate_c + std::size_t(row) * D : w.gate_f + std::size_t(row - G) * D;
        const float acc = warp_dot(wr, xn, D);
        if (lane == 0) logits[row] = acc + (coarse ? w.gate_cb[row] : w.gate_fb[row - G]);
    }
    // Empty slots by default, so that no slot is ever left unwritten (e.g. NaN logits, where
    // ranks stop being unique).
    for (int i = threadIdx.x; i < r.width; i += blockDim.x) {
        slot_block[i] = -1;
        slot_coef[i] = 0.f;
    }
    for (int g = threadIdx.x; g < G; g += blockDim.x) kept_group[g] = -1;
    __syncthreads();

    // 2. p_group = softmax(coarse logits); s_e = p_group * softmax within the group.
    if (warp == 0) warp_softmax(pg, G, 1.f);
    __syncthreads();
    for (int g = warp; g < G; g += warps) warp_softmax(score + g * per, per, pg[g]);
    __syncthreads();

    // 3. Selection into slots [0, kept).
    int kept = 0;
    if (p.mode == GateMode::TopK) {
        // A group's rank is the number of groups that beat it; the k_groups best fill
        // kept_group in rank order.
        for (int g = threadIdx.x; g < G; g += blockDim.x) {
            int rank = 0;
            for (int a = 0; a < G; ++a) rank += beats(pg, a, g);
            if (rank < p.k_groups) kept_group[rank] = g;
        }
        __syncthreads();
        // Same inside each kept group: block of rank b in the group of rank gi goes to slot
        // gi * k_blocks + b. O(per^2) comparisons per group, spread over the threads.
        for (int idx = threadIdx.x; idx < p.k_groups * per; idx += blockDim.x) {
            const int gi = idx / per, g = kept_group[gi];
            if (g < 0) continue;
            const int base = g * per, e = base + idx % per;
            int rank = 0;
            for (int a = base; a < base + per; ++a) rank += beats(score, a, e);
            if (rank < p.k_blocks) {
                slot_block[gi * p.k_blocks + rank] = e;
                slot_coef[gi * p.k_blocks + rank] = score[e];
            }
        }
        kept = p.k_groups * p.k_blocks;
    } else {
        // Threshold: kept blocks in ascending index order. Each chunk of blockDim.x blocks
        // finds its slots by a prefix count of the kept flags; `kept` stays block-uniform.
        for (int base = 0; base < E; base += blockDim.x) {
            const int e = base + threadIdx.x;
            const bool keep = e < E && score[e] >= p.threshold;
            int chunk = 0;
            const int at = kept + block_exclusive_count(keep, &chunk, warp_counts);
            if (keep) {
                slot_block[at] = e;
                slot_coef[at] = score[e];
            }
            kept += chunk;
        }
        if (kept == 0) {
            // Nothing reached the threshold: keep the best block (first one on ties, as
            // std::max_element). Rare, so one thread is enough.
            if (threadIdx.x == 0) {
                int best = 0;
                for (int e = 1; e < E; ++e)
                    if (score[e] > score[best]) best = e;
                slot_block[0] = best;
                slot_coef[0] = score[best];
            }
            kept = 1;
        }
    }
    __syncthreads();  // slots written by other threads are read below

    // 4. Coefficients average 1 over the kept blocks (see select_blocks).
    float part = 0.f;
    for (int i = threadIdx.x; i < kept; i += blockDim.x) part += slot_coef[i];
    const float scale = float(kept) / block_sum(part, red);
    for (int i = threadIdx.x; i < kept; i += blockDim.x) slot_coef[i] *= scale;
}

// The expert products, one CUDA block per (input, slot) pair: an empty slot returns at once,
// so inactive blocks cost neither arithmetic nor weight reads. A kept block computes its
// block_out rows (one warp per row) for its input and writes c * (W_e x + b_e), ReLU'd,
// into y, which was zeroed beforehand. Each pair owns a distinct slice of y: no atomics.
__global__ void __launch_bounds__(kApplyThreads)
apply_pairs_kernel(GatedShape s, GatedWeights w, const float* __restrict__ x, Routing r, bool relu,
                   float* __restrict__ y) {
    const int pair = blockIdx.x;  // n * width + slot
    const int e = r.block[pair];
    if (e < 0) return;
    const int n = pair / r.width;
    const float c = r.coef[pair];
    const int bo = s.out / s.blocks, D = s.in;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    const float* xn = x + std::size_t(n) * D;
    float* yn = y + std::size_t(n) * s.out;
    for (int j = e * bo + warp; j < (e + 1) * bo; j += warps) {
        const float acc = warp_dot(w.w + std::size_t(j) * D, xn, D);
        if (lane == 0) {
            const float v = c * (acc + w.b[j]);
            yn[j] = relu ? fmaxf(v, 0.f) : v;
        }
    }
}

}  // namespace

// ---------------------------------------------------------------- entry points

void gated_route_cuda(const GatedShape& s, const GatePolicy& p, const GatedWeights& w,
                      const float* x, std::int32_t batch, Routing r, void* stream) {
    validate_route(s, p, r, batch);
    if (batch == 0) return;
    const std::size_t shared = sizeof(float) * std::size_t(s.groups + s.blocks);  // <= 17 KiB
    route_kernel<<<batch, kRouteThreads, shared, static_cast<cudaStream_t>(stream)>>>(s, p, w, x, r);
    SPARQ_CUDA_CHECK(cudaGetLastError());
}

void gated_apply_cuda(const GatedShape& s, const GatedWeights& w, const float* x,
                      std::int32_t batch, const Routing& r, bool relu, float* y, void* stream) {
    validate_shape(s);
    if (batch < 0 || r.width < 0) fail("negative batch or routing width");
    if (batch == 0) return;
    const cudaStream_t st = static_cast<cudaStream_t>(stream);
    SPARQ_CUDA_CHECK(cudaMemsetAsync(y, 0, sizeof(float) * std::size_t(batch) * s.out, st));
    const std::int64_t pairs = std::int64_t(batch) * r.width;
    if (pairs == 0) return;
    if (pairs > INT_MAX) fail("batch * routing width exceeds the grid size");
    apply_pairs_kernel<<<unsigned(pairs), kApplyThreads, 0, st>>>(s, w, x, r, relu, y);
    SPARQ_CUDA_CHECK(cudaGetLastError());
}

void gated_forward_cuda_host(const GatedShape& s, const GatePolicy& p, const GatedWeights& hw,
                             const float* x_host, std::int32_t batch, Routing routing_host,
                             bool relu, float* y_host) {
    validate_route(s, p, routing_host, batch);  // before any CUDA call: no device needed
    if (batch == 0) return;
    const std::size_t D = s.in, slots = std::size_t(batch) * routing_host.width;
    DeviceArray<float> w(std::size_t(s.out) * D), b(s.out), gc(std::size_t(s.groups) * D),
        gcb(s.groups), gf(std::size_t(s.blocks) * D), gfb(s.blocks), x(std::size_t(batch) * D),
        coef(slots), y(std::size_t(batch) * s.out);
    DeviceArray<std::int32_t> block(slots);
    w.upload(hw.w);
    b.upload(hw.b);
    gc.upload(hw.gate_c);
    gcb.upload(hw.gate_cb);
    gf.upload(hw.gate_f);
    gfb.upload(hw.gate_fb);
    x.upload(x_host);

    const GatedWeights dw{w.get(), b.get(), gc.get(), gcb.get(), gf.get(), gfb.get()};
    const Routing dr{routing_host.width, block.get(), coef.get()};
    gated_route_cuda(s, p, dw, x.get(), batch, dr, nullptr);
    gated_apply_cuda(s, dw, x.get(), batch, dr, relu, y.get(), nullptr);
    SPARQ_CUDA_CHECK(cudaStreamSynchronize(nullptr));  // surfaces errors raised while running

    block.download(routing_host.block);
    coef.download(routing_host.coef);
    y.download(y_host);
}

}  // namespace sparq::engine::kernels::cuda

#include "gated_kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#ifdef SPARQ_HAVE_CBLAS
#include <cblas.h>
#endif

#include "gated_simd.h"

namespace sparq::engine::kernels {

namespace {

// Below this many inputs per block our register-tiled product beats a BLAS call, whose
// packing and dispatch cost more than the product itself (measured: docs/BENCHMARKS.md).
[[maybe_unused]] constexpr int kBlasMinRows = 48;

// Turns one input's gate logits into its routing slots. Shared by the reference and the
// fast path, so that both pick blocks by the same rule; ties go to the lower index.
void select_blocks(const GatedShape& s, const GatePolicy& p, const float* logit_c,
                   const float* logit_f, std::int32_t* slot_block, float* slot_coef) {
    const int G = s.groups, E = s.blocks, per = s.blocks_per_group();
    float pg[256], score[4096];  // shapes are validated: groups <= 256, blocks <= 4096
    float mx = *std::max_element(logit_c, logit_c + G), sum = 0.f;
    for (int g = 0; g < G; ++g) sum += pg[g] = std::exp(logit_c[g] - mx);
    for (int g = 0; g < G; ++g) pg[g] /= sum;
    for (int g = 0; g < G; ++g) {
        const float* lf = logit_f + g * per;
        const float m = *std::max_element(lf, lf + per);
        float z = 0.f;
        for (int i = 0; i < per; ++i) z += score[g * per + i] = std::exp(lf[i] - m);
        for (int i = 0; i < per; ++i) score[g * per + i] *= pg[g] / z;
    }
    const int width = p.max_active(s);
    int kept = 0;
    auto keep = [&](int e) {
        slot_block[kept] = e;
        slot_coef[kept] = score[e];
        ++kept;
    };
    if (p.mode == GateMode::TopK) {
        int order_g[256];
        std::iota(order_g, order_g + G, 0);
        std::partial_sort(order_g, order_g + p.k_groups, order_g + G,
                          [&](int a, int b) { return pg[a] > pg[b] || (pg[a] == pg[b] && a < b); });
        for (int gi = 0; gi < p.k_groups; ++gi) {
            int order_b[4096];
            const int base = order_g[gi] * per;
            std::iota(order_b, order_b + per, base);
            std::partial_sort(order_b, order_b + p.k_blocks, order_b + per, [&](int a, int b) {
                return score[a] > score[b] || (score[a] == score[b] && a < b);
            });
            for (int bi = 0; bi < p.k_blocks; ++bi) keep(order_b[bi]);
        }
    } else {
        for (int e = 0; e < E; ++e)
            if (score[e] >= p.threshold) keep(e);
        if (kept == 0) keep(int(std::max_element(score, score + E) - score));
    }
    // Coefficients average 1 over the kept blocks, so a block's output keeps the scale it
    // would have in a dense layer whatever the number kept.
    float total = 0.f;
    for (int i = 0; i < kept; ++i) total += slot_coef[i];
    for (int i = 0; i < kept; ++i) slot_coef[i] *= float(kept) / total;
    for (int i = kept; i < width; ++i) {
        slot_block[i] = -1;
        slot_coef[i] = 0.f;
    }
}

}  // namespace

std::int64_t gated_total_params(const GatedShape& s) {
    return std::int64_t(s.out) * s.in + s.out + std::int64_t(s.groups + s.blocks) * (s.in + 1);
}

std::int64_t gated_active_params(const GatedShape& s, std::int32_t kept_blocks) {
    return std::int64_t(kept_blocks) * s.block_out() * (s.in + 1) +
           std::int64_t(s.groups + s.blocks) * (s.in + 1);
}

// ---------------------------------------------------------------- reference

void gated_route_reference(const GatedShape& s, const GatePolicy& p, const GatedWeights& w,
                           const float* x, std::int32_t batch, Routing r) {
    std::vector<float> lc(s.groups), lf(s.blocks);
    for (int n = 0; n < batch; ++n) {
        const float* xn = x + std::size_t(n) * s.in;
        for (int g = 0; g < s.groups; ++g) {
            float acc = w.gate_cb[g];
            for (int i = 0; i < s.in; ++i) acc += w.gate_c[std::size_t(g) * s.in + i] * xn[i];
            lc[g] = acc;
        }
        for (int e = 0; e < s.blocks; ++e) {
            float acc = w.gate_fb[e];
            for (int i = 0; i < s.in; ++i) acc += w.gate_f[std::size_t(e) * s.in + i] * xn[i];
            lf[e] = acc;
        }
        select_blocks(s, p, lc.data(), lf.data(), r.block + std::size_t(n) * r.width,
                      r.coef + std::size_t(n) * r.width);
    }
}

void gated_apply_reference(const GatedShape& s, const GatedWeights& w, const float* x,
                           std::int32_t batch, const Routing& r, bool relu, float* y) {
    const int bo = s.block_out();
    std::fill(y, y + std::size_t(batch) * s.out, 0.f);
    for (int n = 0; n < batch; ++n) {
        const float* xn = x + std::size_t(n) * s.in;
        for (int slot = 0; slot < r.width; ++slot) {
            const int e = r.block[std::size_t(n) * r.width + slot];
            if (e < 0) continue;
            const float c = r.coef[std::size_t(n) * r.width + slot];
            for (int j = e * bo; j < (e + 1) * bo; ++j) {
                float acc = 0.f;
                for (int i = 0; i < s.in; ++i) acc += w.w[std::size_t(j) * s.in + i] * xn[i];
                const float v = c * (acc + w.b[j]);
                y[std::size_t(n) * s.out + j] = relu ? std::max(v, 0.f) : v;
            }
        }
    }
}

// ---------------------------------------------------------------- fast

const char* gated_simd_path() { return simd::have_avx2() ? "avx2+fma" : "scalar"; }

void gated_route_fast(const GatedShape& s, const GatePolicy& p, const GatedWeights& w,
                      const float* x, std::int32_t batch, Routing r, GatedScratch& scratch) {
    const int G = s.groups, E = s.blocks;
    scratch.logits.resize(std::size_t(batch) * (G + E));
    float* logits = scratch.logits.data();
    // Each thread takes a slice of the inputs through both gate products ([n, D] x [D, G] and
    // x [D, E]) and the block selection: one parallel region per call, no shared writes.
    constexpr int kSlice = 12;  // a multiple of gemm_nt's 3-row tile
    const int slices = (batch + kSlice - 1) / kSlice;
#pragma omp parallel for schedule(static) if (std::int64_t(batch) * (G + E) * s.in >= (1 << 18))
    for (int sl = 0; sl < slices; ++sl) {
        const int n0 = sl * kSlice, rows = std::min(kSlice, batch - n0);
        const float* xs = x + std::size_t(n0) * s.in;
        float* lc = logits + std::size_t(n0) * (G + E);
        float* lf = lc + std::size_t(rows) * G;
        simd::gemm_nt(xs, rows, w.gate_c, G, s.in, lc);
        simd::gemm_nt(xs, rows, w.gate_f, E, s.in, lf);
        for (int i = 0; i < rows; ++i) {
            float* ln_c = lc + std::size_t(i) * G;
            float* ln_f = lf + std::size_t(i) * E;
            for (int g = 0; g < G; ++g) ln_c[g] += w.gate_cb[g];
            for (int e = 0; e < E; ++e) ln_f[e] += w.gate_fb[e];
            const std::size_t n = std::size_t(n0 + i);
            select_blocks(s, p, ln_c, ln_f, r.block + n * r.width, r.coef + n * r.width);
        }
    }
}

int gated_bucket(const GatedShape& s, std::int32_t batch, const Routing& r, GatedScratch& scratch) {
    const int E = s.blocks;
    // Bucket the (input, block) pairs by block: a counting sort.
    scratch.counts.assign(E + 1, 0);
    for (std::size_t i = 0; i < std::size_t(batch) * r.width; ++i)
        if (r.block[i] >= 0) ++scratch.counts[r.block[i] + 1];
    scratch.offsets.assign(scratch.counts.begin(), scratch.counts.end());
    std::partial_sum(scratch.offsets.begin(), scratch.offsets.end(), scratch.offsets.begin());
    const int pairs = scratch.offsets[E];
    scratch.rows.resize(pairs);
    scratch.row_coef.resize(pairs);
    {
        std::vector<std::int32_t>& fill = scratch.counts;  // reuse as write cursors
        std::copy(scratch.offsets.begin(), scratch.offsets.end() - 1, fill.begin());
        for (int n = 0; n < batch; ++n)
            for (int slot = 0; slot < r.width; ++slot) {
                const int e = r.block[std::size_t(n) * r.width + slot];
                if (e < 0) continue;
                const int at = fill[e]++;
                scratch.rows[at] = n;
                scratch.row_coef[at] = r.coef[std::size_t(n) * r.width + slot];
            }
    }
    return pairs;
}

void gated_apply_fast(const GatedShape& s, const GatedWeights& w, const float* x,
                      std::int32_t batch, const Routing& r, bool relu, float* y,
                      GatedScratch& scratch) {
    const int E = s.blocks, bo = s.block_out(), D = s.in;
    std::memset(y, 0, sizeof(float) * std::size_t(batch) * s.out);

    const int pairs = gated_bucket(s, batch, r, scratch);
    const std::int32_t* rows = scratch.rows.data();
    const float* coefs = scratch.row_coef.data();
    const std::int32_t* off = scratch.offsets.data();

#pragma omp parallel for schedule(dynamic, 1) if (std::int64_t(pairs) * bo * D >= (1 << 16))
    for (int e = 0; e < E; ++e) {
        const int n_e = off[e + 1] - off[e];
        if (n_e == 0) continue;
        const float* We = w.w + std::size_t(e) * bo * D;
        const float* be = w.b + std::size_t(e) * bo;
        thread_local std::vector<float> gathered, products;
        products.resize(std::size_t(n_e) * bo);
        if (n_e == 1) {
            simd::gemv(We, bo, D, x + std::size_t(rows[off[e]]) * D, products.data());
        } else {
            // One dense product for the block over just its inputs: [n_e, D] x [D, bo].
            gathered.resize(std::size_t(n_e) * D);
            for (int i = 0; i < n_e; ++i)
                std::memcpy(gathered.data() + std::size_t(i) * D,
                            x + std::size_t(rows[off[e] + i]) * D, sizeof(float) * D);
#ifdef SPARQ_HAVE_CBLAS
            if (n_e >= kBlasMinRows)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n_e, bo, D, 1.f,
                            gathered.data(), D, We, D, 0.f, products.data(), bo);
            else
#endif
                simd::gemm_nt(gathered.data(), n_e, We, bo, D, products.data());
        }
        // Epilogue: bias, coefficient, ReLU, scattered into each input's output slice.
        for (int i = 0; i < n_e; ++i) {
            float* dst = y + std::size_t(rows[off[e] + i]) * s.out + std::size_t(e) * bo;
            simd::scale_bias_store(products.data() + std::size_t(i) * bo, be, coefs[off[e] + i], bo,
                                   relu, dst);
        }
    }
}

}  // namespace sparq::engine::kernels

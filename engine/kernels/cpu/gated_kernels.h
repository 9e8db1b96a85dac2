#pragma once
// CPU kernels of the gated sparse layer (see gated_layout.h). Plain C++, no torch.
//
// gated_route_*: the gate. gated_apply_*: the expert products for a given routing, computing
// only the kept blocks (one dense product per block over just its inputs, then a scatter of
// the scaled results). The reference versions are straightforward loops that define the
// results; the fast versions must match them within kGatedTolerance.
#include <cstdint>
#include <vector>

#include "gated_layout.h"

namespace sparq::engine::kernels {

/// Relative tolerance between the fast and reference kernels (float32 sums in a different
/// order).
inline constexpr float kGatedTolerance = 1e-4f;

void gated_route_reference(const GatedShape& s, const GatePolicy& p, const GatedWeights& w,
                           const float* x, std::int32_t batch, Routing routing);
void gated_apply_reference(const GatedShape& s, const GatedWeights& w, const float* x,
                           std::int32_t batch, const Routing& routing, bool relu, float* y);

/// Reusable buffers of the fast path; keep one per thread to avoid allocating per call.
struct GatedScratch {
    std::vector<float> logits, gathered, products;
    std::vector<std::int32_t> counts, offsets, rows;
    std::vector<float> row_coef;
};

/// Groups the routed (input, block) pairs by block: afterwards block e's inputs are
/// scratch.rows[offsets[e] .. offsets[e + 1]) with coefficients scratch.row_coef[...].
/// Returns the number of pairs.
int gated_bucket(const GatedShape& s, std::int32_t batch, const Routing& routing, GatedScratch& scratch);

void gated_route_fast(const GatedShape& s, const GatePolicy& p, const GatedWeights& w,
                      const float* x, std::int32_t batch, Routing routing, GatedScratch& scratch);
void gated_apply_fast(const GatedShape& s, const GatedWeights& w, const float* x,
                      std::int32_t batch, const Routing& routing, bool relu, float* y,
                      GatedScratch& scratch);

/// Which SIMD path gated_*_fast uses on this CPU ("avx2+fma" or "scalar").
const char* gated_simd_path();

/// Parameters one input touches: the kept blocks' weights and biases plus both gates.
std::int64_t gated_active_params(const GatedShape& s, std::int32_t kept_blocks);
std::int64_t gated_total_params(const GatedShape& s);

}  // namespace sparq::engine::kernels

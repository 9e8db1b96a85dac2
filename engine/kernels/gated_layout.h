#pragma once
// Layout of a gated sparse layer, shared by the reference, SIMD and CUDA kernels.
//
// The layer maps x[in] to y[out]. Its out neurons are split into `blocks` equal blocks
// ("experts"); block e owns rows [e*block_out, (e+1)*block_out) of the weight matrix.
// A two-level gate scores the blocks: a coarse gate picks groups of blocks (`groups` groups
// of blocks/groups consecutive blocks), a fine gate scores the blocks inside the groups.
//
//   p_group = softmax(Wc x + bc)                     [groups]
//   p_fine  = softmax within each group of (Wf x + bf) [blocks]
//   s_e     = p_group[group(e)] * p_fine[e]           (sums to 1 over all blocks)
//
// Top-k mode keeps the k_groups best groups and the k_blocks best blocks inside each;
// threshold mode keeps every block with s_e >= threshold (at least the best one). The kept
// blocks' scores, renormalised to average 1 over the kept blocks, are the coefficients c_e:
//
//   y[block e] = c_e * (W_e x + b_e)   for kept e,   0 otherwise   (then ReLU if asked)
#include <cstdint>

namespace sparq::engine::kernels {

enum class GateMode : std::int32_t { TopK = 0, Threshold = 1 };

struct GatedShape {
    std::int32_t in = 0;
    std::int32_t out = 0;
    std::int32_t blocks = 1;
    std::int32_t groups = 1;
    std::int32_t block_out() const { return out / blocks; }
    std::int32_t blocks_per_group() const { return blocks / groups; }
};

struct GatePolicy {
    GateMode mode = GateMode::TopK;
    std::int32_t k_groups = 1;   // top-k mode: groups kept per input
    std::int32_t k_blocks = 1;   // top-k mode: blocks kept per kept group
    float threshold = 0.05f;     // threshold mode: minimum score s_e
    /// Most blocks one input can keep (the routing arrays' width).
    std::int32_t max_active(const GatedShape& s) const {
        return mode == GateMode::TopK ? k_groups * k_blocks : s.blocks;
    }
};

/// Parameters of one gated layer, row-major float32.
struct GatedWeights {
    const float* w = nullptr;       // [out][in]
    const float* b = nullptr;       // [out]
    const float* gate_c = nullptr;  // [groups][in]
    const float* gate_cb = nullptr; // [groups]
    const float* gate_f = nullptr;  // [blocks][in]
    const float* gate_fb = nullptr; // [blocks]
};

/// Per-input routing: `width` slots per input, each a block id (or -1) and its coefficient.
struct Routing {
    std::int32_t width = 0;
    std::int32_t* block = nullptr;  // [batch][width]
    float* coef = nullptr;          // [batch][width]
};

static_assert(sizeof(GatedShape) == 16, "GatedShape is shared with device code");
static_assert(sizeof(GatePolicy) == 16, "GatePolicy is shared with device code");

}  // namespace sparq::engine::kernels

#pragma once
// Random gated layers and inputs for the kernel tests (CPU and CUDA use the same ones).
#include <cmath>
#include <random>
#include <vector>

#include "gated_layout.h"

namespace sparq::test {

struct RandomGatedLayer {
    engine::kernels::GatedShape shape;
    std::vector<float> w, b, gc, gcb, gf, gfb;
    engine::kernels::GatedWeights view() const {
        return {w.data(), b.data(), gc.data(), gcb.data(), gf.data(), gfb.data()};
    }
};

/// Weights ~ N(0, 1/in); gate weights 4x larger so that block scores are well separated.
inline RandomGatedLayer random_gated_layer(engine::kernels::GatedShape s, std::mt19937& rng) {
    std::normal_distribution<float> nd(0.f, 1.f / std::sqrt(float(s.in)));
    auto fill = [&](std::size_t n, float scale) {
        std::vector<float> v(n);
        for (auto& x : v) x = nd(rng) * scale;
        return v;
    };
    return {s, fill(std::size_t(s.out) * s.in, 1), fill(s.out, 1), fill(std::size_t(s.groups) * s.in, 4),
            fill(s.groups, 1), fill(std::size_t(s.blocks) * s.in, 4), fill(s.blocks, 1)};
}

inline std::vector<float> random_input(int batch, int in, std::mt19937& rng) {
    std::normal_distribution<float> nd(0.f, 1.f);
    std::vector<float> x(std::size_t(batch) * in);
    for (auto& v : x) v = nd(rng);
    return x;
}

}  // namespace sparq::test

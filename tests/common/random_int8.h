#pragma once
// A random, packed INT8 weight matrix for the kernel tests (CPU and CUDA).
#include <random>

#include "cpu/int8_kernels.h"

namespace sparq::test {

inline sparq::engine::kernels::Int8Matrix random_int8_matrix(int rows, int cols, std::mt19937& rng) {
    sparq::engine::kernels::Int8Matrix w;
    w.rows = rows;
    w.cols = cols;
    std::uniform_int_distribution<int> q(-127, 127);
    std::uniform_real_distribution<float> u(0.001f, 0.02f), b(-0.5f, 0.5f);
    w.q.resize(std::size_t(rows) * cols);
    for (auto& v : w.q) v = std::int8_t(q(rng));
    w.scale.resize(rows);
    w.bias.resize(rows);
    for (auto& v : w.scale) v = u(rng);
    for (auto& v : w.bias) v = b(rng);
    sparq::engine::kernels::int8_pack(w);
    return w;
}

}  // namespace sparq::test

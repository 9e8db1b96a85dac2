// Breakdown of the gated layer's CPU kernels on one layer shape: gate (route) and expert
// products (apply), against one dense BLAS product of the same shape. Not a test: run by hand.
//   build/dev/tests/bench/bench_gated_kernels [in out blocks groups k_groups k_blocks]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "bench_timing.h"
#include "cpu/gated_kernels.h"

#ifdef SPARQ_HAVE_CBLAS
#include <cblas.h>
#endif

using namespace sparq::engine::kernels;


int main(int argc, char** argv) {
    GatedShape s{784, 1024, 32, 4};
    GatePolicy p;
    p.k_groups = 2;
    p.k_blocks = 4;
    if (argc == 7) {
        s = {std::atoi(argv[1]), std::atoi(argv[2]), std::atoi(argv[3]), std::atoi(argv[4])};
        p.k_groups = std::atoi(argv[5]);
        p.k_blocks = std::atoi(argv[6]);
    }
    std::mt19937 rng(1);
    std::normal_distribution<float> nd(0.f, 0.05f);
    auto fill = [&](std::size_t n) {
        std::vector<float> v(n);
        for (auto& x : v) x = nd(rng);
        return v;
    };
    const auto w = fill(std::size_t(s.out) * s.in), b = fill(s.out), gc = fill(std::size_t(s.groups) * s.in),
               gcb = fill(s.groups), gf = fill(std::size_t(s.blocks) * s.in), gfb = fill(s.blocks);
    const GatedWeights gw{w.data(), b.data(), gc.data(), gcb.data(), gf.data(), gfb.data()};
    for (int batch : {1, 64}) {
        const auto x = fill(std::size_t(batch) * s.in);
        const int width = p.max_active(s);
        std::vector<std::int32_t> blocks(std::size_t(batch) * width);
        std::vector<float> coefs(blocks.size()), y(std::size_t(batch) * s.out);
        Routing r{width, blocks.data(), coefs.data()};
        GatedScratch scratch;
        const int reps = batch == 1 ? 4000 : 200;
        const double route = time_ms([&] { gated_route_fast(s, p, gw, x.data(), batch, r, scratch); }, reps);
        const double apply = time_ms([&] { gated_apply_fast(s, gw, x.data(), batch, r, true, y.data(), scratch); }, reps);
        double dense = 0;
#ifdef SPARQ_HAVE_CBLAS
        dense = time_ms([&] {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, batch, s.out, s.in, 1.f, x.data(), s.in,
                        w.data(), s.in, 0.f, y.data(), s.out);
        }, reps);
#endif
        std::printf("batch %2d: route %.4f ms  apply %.4f ms  sparse total %.4f ms  dense sgemm %.4f ms  (%s)\n",
                    batch, route, apply, route + apply, dense, gated_simd_path());
    }
    return 0;
}

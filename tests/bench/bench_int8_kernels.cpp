// The INT8 product against OpenBLAS sgemm on the same shapes. Not a test: run by hand.
//   build/dev/tests/bench/bench_int8_kernels
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include "bench_timing.h"
#include "cpu/int8_kernels.h"

#ifdef SPARQ_HAVE_CBLAS
#include <cblas.h>
#endif

using namespace sparq::engine::kernels;


int main() {
    std::mt19937 rng(1);
    struct Shape { int in, out; };
    for (Shape s : {Shape{784, 512}, Shape{512, 256}, Shape{3136, 128}, Shape{288, 64}}) {
        Int8Matrix w;
        w.rows = s.out;
        w.cols = s.in;
        w.q.resize(std::size_t(s.out) * s.in);
        for (auto& v : w.q) v = std::int8_t(int(rng() % 255) - 127);
        w.scale.assign(s.out, 0.01f);
        w.bias.assign(s.out, 0.f);
        int8_pack(w);
        std::vector<float> wf(w.q.begin(), w.q.end());
        for (int n : {1, 64, 12544}) {
            std::vector<std::uint8_t> x(std::size_t(n) * s.in, 7), y(std::size_t(n) * s.out);
            std::vector<float> xf(x.size(), 0.5f), yf(y.size());
            Int8Output o;
            o.in_scale = 0.01f;
            o.relu = true;
            o.out_scale = 0.05f;
            o.out_u8 = y.data();
            o.ld_out = s.out;
            const int reps = n == 1 ? 5000 : n == 64 ? 500 : 10;
            const double q = time_ms([&] { int8_gemm_fast(x.data(), n, s.in, w, 0, s.out, o); }, reps);
            double f = 0;
#ifdef SPARQ_HAVE_CBLAS
            f = time_ms([&] {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, s.out, s.in, 1.f, xf.data(), s.in,
                            wf.data(), s.in, 0.f, yf.data(), s.out);
            }, reps);
#endif
            std::printf("%4d -> %4d  n=%5d: int8 %.4f ms  sgemm %.4f ms  ratio %.2f  (%s)\n", s.in, s.out, n, q, f,
                        f / q, int8_simd_path());
        }
    }
}

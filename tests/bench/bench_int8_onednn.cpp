// Sparq's INT8 product against oneDNN's int8 matmul and OpenBLAS sgemm, side by side in one
// process. Not a test: run by hand, with the thread count the others use:
//   OMP_NUM_THREADS=2 build/dev/tests/bench/bench_int8_onednn
// Each shape/batch times the contestants in alternating short rounds (rotating the order) and
// reports the median per call, so a neighbour's compile slows all of them alike. With as many
// threads as cores, any other runnable process can stall a parallel region by a scheduler tick
// (multiples of ~4 ms were seen on this 2-core VM). Two sentinels race along: "fork", an empty
// parallel region (microseconds on a quiet machine), and "noise", the worst median/min over the
// contestants; a line where either is high is marked CONTENDED: rerun it on a quiet machine.
//
// oneDNN gets its best case: primitive and weight reorder (to the layout it asks for) done once,
// per-output-channel output scales and the src zero point fixed at creation, u8 dst with a
// clip(0, 127) post-op (relu + Sparq's 7-bit output range). Only execute() is timed.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "cpu/int8_kernels.h"

#ifdef SPARQ_HAVE_CBLAS
#include <cblas.h>
#endif

using namespace sparq::engine::kernels;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

namespace {

constexpr int kRounds = 15;            // alternating rounds per shape/batch
constexpr double kRoundBudgetMs = 4.0; // target time of one contestant in one round
constexpr std::int32_t kSrcZero = 3;   // activation zero point (exercises oneDNN's compensation)
constexpr double kNoisy = 1.5;         // median / min of the rounds above this: the line is suspect
constexpr double kSlowForkMs = 0.05;   // an empty parallel region slower than this: threads starved

double now_ms() {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

std::string loadavg() {
    std::string s;
    if (FILE* f = std::fopen("/proc/loadavg", "r")) {
        char buf[128] = {};
        if (std::fgets(buf, sizeof buf, f)) s = buf;
        std::fclose(f);
    }
    while (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t h = v.size() / 2;
    return v.size() % 2 ? v[h] : 0.5 * (v[h - 1] + v[h]);
}

struct Contestant {
    const char* name;
    std::function<void()> run;
    int reps = 1;
    std::vector<double> per_call_ms;
};

// Calibrates reps so one round lasts about kRoundBudgetMs, then runs kRounds rounds in rotating order.
void race(std::vector<Contestant>& cs) {
    for (auto& c : cs) {
        for (int i = 0; i < 3; ++i) c.run();  // warm caches, lazy init, thread pool
        const double t0 = now_ms();
        int calls = 0;
        while (now_ms() - t0 < 1.0 || calls < 2) { c.run(); ++calls; }
        const double per = (now_ms() - t0) / calls;
        c.reps = std::clamp(int(kRoundBudgetMs / per), 1, 100000);
    }
    for (int r = 0; r < kRounds; ++r) {
        for (std::size_t j = 0; j < cs.size(); ++j) {
            Contestant& c = cs[(j + std::size_t(r)) % cs.size()];
            const double t0 = now_ms();
            for (int i = 0; i < c.reps; ++i) c.run();
            c.per_call_ms.push_back((now_ms() - t0) / c.reps);
        }
    }
}

// The oneDNN side of one shape/batch: u8 src [n][K] x s8 weights [K][M] -> u8 dst [n][M].
struct OnednnMatmul {
    dnnl::matmul prim;
    dnnl::memory src, wei, bias, dst;
    dnnl::memory zp_mem;  // only for a runtime zero point
    std::string impl;
    std::string zero_point_mode;

    OnednnMatmul(const dnnl::engine& eng, const Int8Matrix& w, int n, std::uint8_t* x, std::uint8_t* y,
                 const std::vector<float>& out_scales, bool with_zero_point) {
        const dnnl::memory::dim K = w.cols, M = w.rows, N = n;
        dnnl::memory::desc src_md({N, K}, dt::u8, tag::ab);
        dnnl::memory::desc wei_any({K, M}, dt::s8, tag::any);
        dnnl::memory::desc wei_user({K, M}, dt::s8, tag::ba);  // Sparq's q is [M][K]
        dnnl::memory::desc bias_md({1, M}, dt::f32, tag::ab);
        dnnl::memory::desc dst_md({N, M}, dt::u8, tag::ab);
        dnnl::matmul::desc md(src_md, wei_any, bias_md, dst_md);

        dnnl::post_ops po;
        po.append_eltwise(1.f, dnnl::algorithm::eltwise_clip, 0.f, float(kActMax));
        // Fixed zero point first; a build that only takes it at run time gets DNNL_RUNTIME_S32_VAL.
        dnnl::matmul::primitive_desc pd;
        bool runtime_zp = false;
        for (int attempt = 0; attempt < 2; ++attempt) {
            dnnl::primitive_attr attr;
            attr.set_output_scales(1 << 1, out_scales);
            attr.set_post_ops(po);
            runtime_zp = attempt == 1;
            if (with_zero_point)
                attr.set_zero_points(DNNL_ARG_SRC, 0, {runtime_zp ? DNNL_RUNTIME_S32_VAL : kSrcZero});
            pd = dnnl::matmul::primitive_desc(md, attr, eng, true);
            if (pd || !with_zero_point) break;
        }
        if (!pd) {
            std::fprintf(stderr, "oneDNN has no u8 x s8 -> u8 matmul for %ld -> %ld n=%d with these attributes\n",
                         long(K), long(M), n);
            std::exit(1);
        }
        zero_point_mode = !with_zero_point ? "none" : runtime_zp ? "runtime" : "fixed";
        impl = pd.impl_info_str();
        prim = dnnl::matmul(pd);

        dnnl::stream s(eng);
        dnnl::memory user_w(wei_user, eng, const_cast<std::int8_t*>(w.q.data()));
        wei = dnnl::memory(pd.weights_desc(), eng);
        dnnl::reorder(user_w, wei).execute(s, user_w, wei);
        s.wait();
        src = dnnl::memory(src_md, eng, x);
        bias = dnnl::memory(bias_md, eng, const_cast<float*>(w.bias.data()));
        dst = dnnl::memory(dst_md, eng, y);
        if (runtime_zp) {
            zp_mem = dnnl::memory({{1}, dt::s32, tag::x}, eng);
            *static_cast<std::int32_t*>(zp_mem.get_data_handle()) = kSrcZero;
        }
    }

    void run(dnnl::stream& s) {
        std::unordered_map<int, dnnl::memory> args{
            {DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_BIAS, bias}, {DNNL_ARG_DST, dst}};
        if (zp_mem) args[DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_SRC] = zp_mem;
        prim.execute(s, args);
        s.wait();
    }
};

Int8Matrix random_matrix(std::mt19937& rng, int in, int out) {
    Int8Matrix w;
    w.rows = out;
    w.cols = in;
    w.q.resize(std::size_t(out) * in);
    for (auto& v : w.q) v = std::int8_t(int(rng() % 255) - 127);
    std::uniform_real_distribution<float> sd(0.005f, 0.015f);
    w.scale.resize(out);
    for (auto& v : w.scale) v = sd(rng);
    w.bias.assign(out, 0.f);
    int8_pack(w);
    return w;
}

// oneDNN's int32 accumulation, unscaled (s32 dst, src zero point kSrcZero), against the same
// integers summed in double (exact: |sum| < 2^53). Returns the number of wrong elements.
long check_accumulation(const dnnl::engine& eng, dnnl::stream& s, std::mt19937& rng, int in, int out, int n) {
    const Int8Matrix w = random_matrix(rng, in, out);
    std::vector<std::uint8_t> x(std::size_t(n) * in);
    for (auto& v : x) v = std::uint8_t(rng() % (kActMax + 1));
    const dnnl::memory::dim K = in, M = out, N = n;
    dnnl::memory::desc src_md({N, K}, dt::u8, tag::ab), wei_md({K, M}, dt::s8, tag::ba),
        dst_md({N, M}, dt::s32, tag::ab);
    dnnl::primitive_attr attr;
    attr.set_zero_points(DNNL_ARG_SRC, 0, {kSrcZero});
    auto pd = dnnl::matmul::primitive_desc(dnnl::matmul::desc(src_md, wei_md, dst_md), attr, eng, true);
    const bool runtime_zp = !pd;
    if (runtime_zp) {
        attr.set_zero_points(DNNL_ARG_SRC, 0, {DNNL_RUNTIME_S32_VAL});
        pd = dnnl::matmul::primitive_desc(dnnl::matmul::desc(src_md, wei_md, dst_md), attr, eng);
    }
    std::vector<std::int32_t> acc(std::size_t(n) * out);
    dnnl::memory src(src_md, eng, x.data()), wei(wei_md, eng, const_cast<std::int8_t*>(w.q.data())),
        dst(dst_md, eng, acc.data()), zp({{1}, dt::s32, tag::x}, eng);
    *static_cast<std::int32_t*>(zp.get_data_handle()) = kSrcZero;
    std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_DST, dst}};
    if (runtime_zp) args[DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_SRC] = zp;
    dnnl::matmul(pd).execute(s, args);
    s.wait();
    long bad = 0;
    double max_abs = 0;
    for (int i = 0; i < n; ++i)
        for (int m = 0; m < out; ++m) {
            double ref = 0;
            for (int k = 0; k < in; ++k)
                ref += double(int(x[std::size_t(i) * in + k]) - kSrcZero) * double(w.q[std::size_t(m) * in + k]);
            max_abs = std::max(max_abs, std::fabs(ref));
            if (double(acc[std::size_t(i) * out + m]) != ref) ++bad;
        }
    std::printf("accumulation check %d -> %d n=%d (u8 0..%d, zero point %d, s32 dst, impl %s): %ld of %d wrong, "
                "max |acc| %.0f\n",
                in, out, n, kActMax, kSrcZero, pd.impl_info_str(), bad, n * out, max_abs);
    return bad;
}

}  // namespace

int main() {
    const char* env_threads = std::getenv("OMP_NUM_THREADS");
    const int threads = env_threads ? std::max(1, std::atoi(env_threads)) : 2;
    omp_set_num_threads(threads);
#ifdef SPARQ_HAVE_CBLAS
    openblas_set_num_threads(threads);
#endif
    std::printf("loadavg at start: %s\n", loadavg().c_str());
    const dnnl_version_t* ver = dnnl::version();
    std::printf("oneDNN %d.%d.%d (cpu runtime %s), isa %d, threads %d, sparq path %s\n", ver->major, ver->minor,
                ver->patch, ver->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP" : "other",
                int(dnnl::get_effective_cpu_isa()), omp_get_max_threads(), int8_simd_path());

    dnnl::engine eng(dnnl::engine::kind::cpu, 0);
    dnnl::stream strm(eng);
    std::mt19937 rng(1);

    long bad = check_accumulation(eng, strm, rng, 288, 64, 64);
    bad += check_accumulation(eng, strm, rng, 784, 512, 7);

    std::printf("median ms per call over %d alternating rounds; ratios > 1 mean sparq is faster\n", kRounds);
    struct Shape { int in, out; };
    for (Shape sh : {Shape{784, 512}, Shape{512, 256}, Shape{3136, 128}, Shape{288, 64}, Shape{1024, 1024}}) {
        const Int8Matrix w = random_matrix(rng, sh.in, sh.out);
        const std::vector<float> wf(w.q.begin(), w.q.end());
        // Output scale puts about 3 standard deviations of the pre-activation at kActMax.
        const float in_scale = 0.02f;
        const float out_scale = 3.f * std::sqrt(float(sh.in)) * 73.f * 73.f * in_scale * 0.01f / kActMax;
        std::vector<float> dnnl_scales(sh.out);
        for (int m = 0; m < sh.out; ++m) dnnl_scales[m] = in_scale * w.scale[m] / out_scale;

        for (int n : {1, 64, 1024}) {
            std::vector<std::uint8_t> x(std::size_t(n) * sh.in);
            for (auto& v : x) v = std::uint8_t(rng() % (kActMax + 1));
            std::vector<std::uint8_t> y_sparq(std::size_t(n) * sh.out), y_dnnl(y_sparq.size()),
                y_nozp(y_sparq.size());
            std::vector<float> xf(x.begin(), x.end()), yf(y_sparq.size());

            OnednnMatmul dm(eng, w, n, x.data(), y_dnnl.data(), dnnl_scales, true);
            OnednnMatmul dm0(eng, w, n, x.data(), y_nozp.data(), dnnl_scales, false);
            Int8Output o;
            o.in_scale = in_scale;
            o.in_zero = kSrcZero;
            o.relu = true;
            o.out_scale = out_scale;
            o.out_u8 = y_sparq.data();
            o.ld_out = sh.out;

            std::vector<Contestant> cs;
            cs.push_back({"onednn", [&] { dm.run(strm); }});
            cs.push_back({"onednn_nozp", [&] { dm0.run(strm); }});
            cs.push_back({"sparq", [&] { int8_gemm_fast(x.data(), n, sh.in, w, 0, sh.out, o); }});
#ifdef SPARQ_HAVE_CBLAS
            cs.push_back({"sgemm", [&] {
                              cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, sh.out, sh.in, 1.f, xf.data(),
                                          sh.in, wf.data(), sh.in, 0.f, yf.data(), sh.out);
                          }});
#endif
            cs.push_back({"fork", [] {
#pragma omp parallel
                              { asm volatile("" ::: "memory"); }
                          }});
            race(cs);
            const double t_fork = median(cs.back().per_call_ms);
            const double t_dnnl = median(cs[0].per_call_ms), t_nozp = median(cs[1].per_call_ms),
                         t_sparq = median(cs[2].per_call_ms), t_sgemm = cs.size() > 4 ? median(cs[3].per_call_ms) : 0;

            double noise = 0;
            for (const auto& c : cs)
                noise = std::max(noise, median(c.per_call_ms) /
                                            *std::min_element(c.per_call_ms.begin(), c.per_call_ms.end()));

            // Same integers, same scales: outputs may differ by one step where float rounding order differs.
            int max_diff = 0;
            long ndiff = 0;
            for (std::size_t i = 0; i < y_sparq.size(); ++i) {
                const int d = std::abs(int(y_sparq[i]) - int(y_dnnl[i]));
                max_diff = std::max(max_diff, d);
                ndiff += d != 0;
            }
            std::printf("%4d -> %4d n=%4d | onednn %8.4f  nozp %8.4f  sparq %8.4f  sgemm %8.4f ms | "
                        "onednn/sparq %5.2f  nozp/sparq %5.2f  sgemm/sparq %5.2f  sgemm/onednn %5.2f | "
                        "u8 diff %ld (max %d) | fork %.4f noise %.2f%s | zp %s | %s%s%s\n",
                        sh.in, sh.out, n, t_dnnl, t_nozp, t_sparq, t_sgemm, t_dnnl / t_sparq, t_nozp / t_sparq,
                        t_sgemm / t_sparq, t_sgemm / t_dnnl, ndiff, max_diff, t_fork, noise,
                        noise > kNoisy || t_fork > kSlowForkMs ? " CONTENDED" : "", dm.zero_point_mode.c_str(),
                        dm.impl.c_str(), dm0.impl == dm.impl ? "" : " / nozp ", dm0.impl == dm.impl ? "" : dm0.impl.c_str());
            std::fflush(stdout);
        }
    }
    std::printf("loadavg at end: %s\n", loadavg().c_str());
    return bad == 0 ? 0 : 1;
}

#include "quant/qmodel.h"

#include <algorithm>
#include <cstring>

#include "sparq/engine/errors.h"

namespace sparq::engine::quant {

namespace k = kernels;

namespace {

constexpr std::int64_t kChunk = 256;  // images per pass: bounds the im2col buffer

k::Int8Output output_stage(const QOp& op, std::uint8_t* y_u8, float* y_f32, std::int64_t ld) {
    k::Int8Output o;
    o.in_scale = op.in.scale;
    o.in_zero = op.in.zero;
    o.relu = op.relu;
    o.ld_out = ld;
    if (op.float_out) {
        o.out_f32 = y_f32;
    } else {
        o.out_u8 = y_u8;
        o.out_scale = op.out.scale;
        o.out_zero = op.out.zero;
    }
    return o;
}

// 3x3, stride 1, padding 1: one row per output pixel, (ky, kx, c) per row; the padding holds
// the input's zero point, the code of 0.0.
void im2col(const std::uint8_t* x, std::int64_t n, int side, int c, std::uint8_t pad, std::uint8_t* cols) {
    const std::int64_t K = 9 * c;
#pragma omp parallel for schedule(static) if (n * side * side * K >= (1 << 16))
    for (std::int64_t img = 0; img < n; ++img)
        for (int yy = 0; yy < side; ++yy)
            for (int xx = 0; xx < side; ++xx) {
                std::uint8_t* row = cols + ((img * side + yy) * side + xx) * K;
                for (int ky = 0; ky < 3; ++ky)
                    for (int kx = 0; kx < 3; ++kx) {
                        std::uint8_t* dst = row + (ky * 3 + kx) * c;
                        const int sy = yy + ky - 1, sx = xx + kx - 1;
                        if (sy < 0 || sy >= side || sx < 0 || sx >= side)
                            std::memset(dst, pad, c);
                        else
                            std::memcpy(dst, x + ((img * side + sy) * side + sx) * c, c);
                    }
            }
}

void maxpool2(const std::uint8_t* x, std::int64_t n, int side, int c, std::uint8_t* y) {
    const int half = side / 2;
#pragma omp parallel for schedule(static) if (n * side * side * c >= (1 << 16))
    for (std::int64_t img = 0; img < n; ++img)
        for (int yy = 0; yy < half; ++yy)
            for (int xx = 0; xx < half; ++xx) {
                const std::uint8_t* a = x + ((img * side + 2 * yy) * side + 2 * xx) * c;
                const std::uint8_t* b = a + std::int64_t(side) * c;
                std::uint8_t* dst = y + ((img * half + yy) * half + xx) * c;
                for (int ch = 0; ch < c; ++ch)
                    dst[ch] = std::max(std::max(a[ch], a[ch + c]), std::max(b[ch], b[ch + c]));
            }
}

void run_gated(const QOp& op, const std::uint8_t* x, std::int64_t n, std::uint8_t* y) {
    const k::GatedShape& s = op.gshape;
    const int width = op.policy.max_active(s), bo = s.block_out();
    thread_local std::vector<float> xf, coefs;
    thread_local std::vector<std::int32_t> blocks;
    thread_local k::GatedScratch scratch;
    xf.resize(std::size_t(n) * s.in);
    for (std::size_t i = 0; i < xf.size(); ++i) xf[i] = op.in.scale * (float(x[i]) - float(op.in.zero));
    blocks.resize(std::size_t(n) * width);
    coefs.resize(blocks.size());
    const k::GatedWeights gw{nullptr, nullptr, op.gate_c.data(), op.gate_cb.data(), op.gate_f.data(),
                             op.gate_fb.data()};
    const k::Routing r{width, blocks.data(), coefs.data()};
    k::gated_route_fast(s, op.policy, gw, xf.data(), std::int32_t(n), r, scratch);
    const int pairs = k::gated_bucket(s, std::int32_t(n), r, scratch);
    // Blocks that do not run output 0.0, whose code is the output zero point.
    std::memset(y, op.out.zero, std::size_t(n) * s.out);
    const std::int32_t* off = scratch.offsets.data();
    const std::int32_t* rows = scratch.rows.data();
    const float* rc = scratch.row_coef.data();
#pragma omp parallel for schedule(dynamic, 1) if (std::int64_t(pairs) * bo * s.in >= (1 << 16))
    for (int e = 0; e < s.blocks; ++e) {
        const int n_e = off[e + 1] - off[e];
        if (n_e == 0) continue;
        thread_local std::vector<std::uint8_t> gathered;
        gathered.resize(std::size_t(n_e) * s.in);
        for (int i = 0; i < n_e; ++i)
            std::memcpy(gathered.data() + std::size_t(i) * s.in, x + std::size_t(rows[off[e] + i]) * s.in, s.in);
        k::Int8Output o = output_stage(op, y, nullptr, s.out);
        o.row_coef = rc + off[e];
        o.row_index = rows + off[e];
        k::int8_gemm_fast(gathered.data(), n_e, s.in, op.w, e * bo, (e + 1) * bo, o, false);
    }
}

}  // namespace

const char* to_string(OpKind k) {
    switch (k) {
        case OpKind::Linear: return "linear";
        case OpKind::Conv: return "conv";
        case OpKind::MaxPool: return "maxpool";
        case OpKind::Gated: return "gated";
    }
    return "?";
}

std::int64_t QOp::in_features() const {
    switch (kind) {
        case OpKind::Linear: return w.cols;
        case OpKind::Gated: return gshape.in;
        case OpKind::Conv:
        case OpKind::MaxPool: return std::int64_t(side) * side * channels;
    }
    return 0;
}

std::int64_t QOp::out_features() const {
    switch (kind) {
        case OpKind::Linear: return w.rows;
        case OpKind::Gated: return gshape.out;
        case OpKind::Conv: return std::int64_t(side) * side * w.rows;
        case OpKind::MaxPool: return std::int64_t(side / 2) * (side / 2) * channels;
    }
    return 0;
}

void validate(const QuantModel& m, const std::string& what) {
    auto fail = [&](const std::string& msg) { throw FormatError(what + ": " + msg); };
    if (m.ops.empty()) fail("no ops");
    if (m.inputs <= 0 || m.classes <= 0) fail("bad input or class count");
    std::int64_t features = m.inputs;
    for (std::size_t i = 0; i < m.ops.size(); ++i) {
        const QOp& op = m.ops[i];
        const std::string at = "op " + std::to_string(i) + " (" + op.name + ")";
        const bool last = i + 1 == m.ops.size();
        if (op.float_out != last) fail(at + ": only the last op writes float logits");
        if (op.in.scale <= 0 || op.out.scale <= 0 || op.in.zero < 0 || op.in.zero > k::kActMax ||
            op.out.zero < 0 || op.out.zero > k::kActMax)
            fail(at + ": bad quantization parameters");
        if (op.kind != OpKind::MaxPool) {
            const auto& w = op.w;
            if (w.rows <= 0 || w.cols <= 0 || w.q.size() != std::size_t(w.rows) * w.cols ||
                w.scale.size() != std::size_t(w.rows) || w.bias.size() != std::size_t(w.rows))
                fail(at + ": weight arrays do not match their shape");
        }
        if (op.kind == OpKind::Conv && (op.w.cols != 9 * op.channels || op.side <= 0))
            fail(at + ": conv weights do not match its channels");
        if (op.kind == OpKind::MaxPool && (op.side < 2 || op.channels <= 0)) fail(at + ": bad pool shape");
        if (op.kind == OpKind::Gated) {
            const auto& s = op.gshape;
            if (s.in != op.w.cols || s.out != op.w.rows || s.blocks <= 0 || s.groups <= 0 || s.out % s.blocks ||
                s.blocks % s.groups || s.groups > 256 || s.blocks > 4096 ||
                op.gate_c.size() != std::size_t(s.groups) * s.in || op.gate_cb.size() != std::size_t(s.groups) ||
                op.gate_f.size() != std::size_t(s.blocks) * s.in || op.gate_fb.size() != std::size_t(s.blocks))
                fail(at + ": gated layer arrays do not match its shape");
            const auto& p = op.policy;
            if (p.mode == k::GateMode::TopK &&
                (p.k_groups < 1 || p.k_groups > s.groups || p.k_blocks < 1 || p.k_blocks > s.blocks_per_group()))
                fail(at + ": bad gate policy");
        }
        if (op.in_features() != features) fail(at + ": expects " + std::to_string(op.in_features()) +
                                                " inputs, previous op gives " + std::to_string(features));
        features = op.out_features();
    }
    if (features != m.classes) fail("the last op does not produce " + std::to_string(m.classes) + " logits");
}

void QuantModel::forward(const float* x, std::int64_t n, float* logits,
                         std::vector<std::vector<float>>* trace) const {
    thread_local std::vector<std::uint8_t> a, b, cols;
    if (trace) {
        trace->assign(ops.size(), {});
        for (std::size_t i = 0; i < ops.size(); ++i) (*trace)[i].resize(std::size_t(n * ops[i].out_features()));
    }
    for (std::int64_t c0 = 0; c0 < n; c0 += kChunk) {
        const std::int64_t cn = std::min(kChunk, n - c0);
        a.resize(std::size_t(cn) * inputs);
        k::quantize_u8(x + c0 * inputs, cn * inputs, input.scale, input.zero, a.data());
        for (std::size_t i = 0; i < ops.size(); ++i) {
            const QOp& op = ops[i];
            const std::int64_t outf = op.out_features();
            b.resize(std::size_t(cn * outf));
            float* out_f = op.float_out ? logits + c0 * classes : nullptr;
            switch (op.kind) {
                case OpKind::Linear:
                    k::int8_gemm_fast(a.data(), std::int32_t(cn), op.w.cols, op.w, 0, op.w.rows,
                                      output_stage(op, b.data(), out_f, op.w.rows));
                    break;
                case OpKind::Conv: {
                    const std::int64_t pixels = cn * op.side * op.side;
                    cols.resize(std::size_t(pixels * op.w.cols));
                    im2col(a.data(), cn, op.side, op.channels, std::uint8_t(op.in.zero), cols.data());
                    k::int8_gemm_fast(cols.data(), std::int32_t(pixels), op.w.cols, op.w, 0, op.w.rows,
                                      output_stage(op, b.data(), nullptr, op.w.rows));
                    break;
                }
                case OpKind::MaxPool: maxpool2(a.data(), cn, op.side, op.channels, b.data()); break;
                case OpKind::Gated: run_gated(op, a.data(), cn, b.data()); break;
            }
            if (trace) {
                float* t = (*trace)[i].data() + c0 * outf;
                if (op.float_out)
                    std::copy(out_f, out_f + cn * outf, t);
                else
                    for (std::int64_t j = 0; j < cn * outf; ++j) t[j] = op.out.scale * (float(b[j]) - float(op.out.zero));
            }
            std::swap(a, b);
        }
    }
}

}  // namespace sparq::engine::quant

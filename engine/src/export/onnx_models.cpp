#include "export/onnx_models.h"

#include "cpu/int8_kernels.h"
#include "data/fashion_mnist.h"
#include "quant/hooked.h"
#include "sparq/engine/errors.h"

namespace sparq::engine::exporter {

namespace k = kernels;

namespace {

constexpr std::int64_t kSide = 28;

std::string normalise(GraphBuilder& b) {
    const auto x = b.node("Sub", "normalise/sub", {kInputName, b.scalar("pixel_mean", data::kPixelMean)});
    return b.node("Div", "normalise/div", {x, b.scalar("pixel_std", data::kPixelStd)});
}

std::string gemm_node(GraphBuilder& b, const std::string& name, const std::string& x, const std::string& w,
                 const std::string& bias) {
    return b.node("Gemm", name, {x, w, bias}, {{"transB", 1}});
}

std::string conv3x3(GraphBuilder& b, const std::string& name, const std::string& x, const std::string& w,
                    const std::string& bias) {
    return b.node("Conv", name, {x, w, bias},
                  {{"kernel_shape", std::vector<std::int64_t>{3, 3}}, {"pads", std::vector<std::int64_t>{1, 1, 1, 1}},
                   {"strides", std::vector<std::int64_t>{1, 1}}});
}

std::string maxpool2(GraphBuilder& b, const std::string& name, const std::string& x) {
    return b.node("MaxPool", name, {x},
                  {{"kernel_shape", std::vector<std::int64_t>{2, 2}}, {"strides", std::vector<std::int64_t>{2, 2}}});
}

struct GatedParams {
    k::GatedShape shape;
    k::GatePolicy policy;
    torch::Tensor gate_c, gate_cb, gate_f, gate_fb;
};

torch::Tensor floats(const std::vector<float>& v, std::vector<std::int64_t> shape) {
    return torch::from_blob(const_cast<float*>(v.data()), shape, torch::kFloat32).clone();
}

// See onnx_models.h for the expression; returns the layer's output after its ReLU.
std::string gated(GraphBuilder& b, const std::string& name, const std::string& x, const std::string& w,
                  const std::string& bias, const GatedParams& p) {
    const k::GatedShape& s = p.shape;
    const std::int64_t G = s.groups, E = s.blocks, per = s.blocks_per_group(), bo = s.block_out();
    auto n = [&](const std::string& what) { return name + "/" + what; };
    const auto one = torch::ones({1}, torch::kFloat32);
    auto zeros_like = [&](const std::string& t, const std::string& what) {
        return b.node("ConstantOfShape", n(what), {b.node("Shape", n(what + "_shape"), {t})});
    };
    auto ones_like = [&](const std::string& t, const std::string& what) {
        return b.node("ConstantOfShape", n(what), {b.node("Shape", n(what + "_shape"), {t})}, {{"value", one}});
    };
    const auto axis1 = b.ints(n("axis1"), {1});
    const auto axis2 = b.ints(n("axis2"), {2});
    const auto by_block = b.ints(n("by_block"), {0, E});

    const auto pg = b.node("Softmax", n("coarse_softmax"),
                           {gemm_node(b, n("coarse_gate"), x, b.constant(n("gate_c"), p.gate_c),
                                 b.constant(n("gate_cb"), p.gate_cb))},
                           {{"axis", 1}});
    const auto fine = gemm_node(b, n("fine_gate"), x, b.constant(n("gate_f"), p.gate_f), b.constant(n("gate_fb"), p.gate_fb));
    const auto pf = b.node("Softmax", n("fine_softmax"),
                           {b.node("Reshape", n("fine_by_group"), {fine, b.ints(n("by_group"), {0, G, per})})},
                           {{"axis", 2}});
    const auto score3 = b.node("Mul", n("score"), {b.node("Unsqueeze", n("coarse_by_group"), {pg, axis2}), pf});
    const auto score = b.node("Reshape", n("score_by_block"), {score3, by_block});
    std::string mask;
    if (p.policy.mode == k::GateMode::TopK) {
        const auto gi = b.node_n("TopK", n("top_groups"), {pg, b.ints(n("k_groups"), {p.policy.k_groups})}, 2,
                                 {{"axis", 1}})[1];
        const auto gmask = b.node("ScatterElements", n("group_mask"),
                                  {zeros_like(pg, "group_zeros"), gi, ones_like(gi, "group_ones")}, {{"axis", 1}});
        const auto bi = b.node_n("TopK", n("top_blocks"), {score3, b.ints(n("k_blocks"), {p.policy.k_blocks})}, 2,
                                 {{"axis", 2}})[1];
        const auto bmask = b.node("ScatterElements", n("block_mask"),
                                  {zeros_like(score3, "block_zeros"), bi, ones_like(bi, "block_ones")}, {{"axis", 2}});
        const auto mask3 =
            b.node("Mul", n("mask_by_group"), {b.node("Unsqueeze", n("group_mask_3d"), {gmask, axis2}), bmask});
        mask = b.node("Reshape", n("mask"), {mask3, by_block});
    } else {
        const auto above = b.node("Cast", n("above"),
                                  {b.node("GreaterOrEqual", n("at_least_threshold"),
                                          {score, b.scalar(n("threshold"), p.policy.threshold)})},
                                  {{"to", std::int64_t(onnx::TensorProto_DataType_FLOAT)}});
        const auto best = b.node("ArgMax", n("best"), {score}, {{"axis", 1}, {"keepdims", 1}});
        const auto onehot = b.node("ScatterElements", n("best_mask"),
                                   {zeros_like(score, "best_zeros"), best, ones_like(best, "best_ones")}, {{"axis", 1}});
        mask = b.node("Max", n("mask"), {above, onehot});
    }
    const auto kept = b.node("Mul", n("kept_score"), {score, mask});
    const auto total = b.node("ReduceSum", n("kept_total"), {kept, axis1}, {{"keepdims", 1}});
    const auto count = b.node("ReduceSum", n("kept_count"), {mask, axis1}, {{"keepdims", 1}});
    const auto coef = b.node("Mul", n("coef"), {kept, b.node("Div", n("renormalise"), {count, total})});
    const auto h3 = b.node("Reshape", n("experts_by_block"),
                           {gemm_node(b, n("experts"), x, w, bias), b.ints(n("block_rows"), {0, E, bo})});
    const auto y3 = b.node("Mul", n("scaled"), {h3, b.node("Unsqueeze", n("coef_3d"), {coef, axis2})});
    const auto y = b.node("Reshape", n("joined"), {y3, b.ints(n("out_shape"), {0, s.out})});
    return b.node("Relu", n("relu"), {y});
}

// Activation quantization of the engine's INT8 model (see onnx_models.h): Clip where the
// engine's 7-bit range is narrower than int8's, then QuantizeLinear + DequantizeLinear.
std::string qdq(GraphBuilder& b, const std::string& name, std::string x, const quant::QParams& q, bool after_relu) {
    if (!after_relu || q.zero != 0)
        x = b.node("Clip", name + "/clip",
                   {x, b.scalar(name + "/lo", q.scale * float(-q.zero)),
                    b.scalar(name + "/hi", q.scale * float(k::kActMax - q.zero))});
    const auto scale = b.scalar(name + "/scale", q.scale);
    const auto zero = b.constant(name + "/zero", torch::zeros({}, torch::kInt8));
    const auto qv = b.node("QuantizeLinear", name + "/quantize", {x, scale, zero});
    return b.node("DequantizeLinear", name + "/dequantize", {qv, scale, zero});
}

// Per-output-channel int8 weights, reordered from the engine's [rows][cols] through `view`
// and `permute` (the engine keeps images NHWC, ONNX NCHW), flattened back to [rows][cols]
// when `flat`.
std::string dq_weight(GraphBuilder& b, const std::string& name, const k::Int8Matrix& w,
                      const std::vector<std::int64_t>& view, const std::vector<std::int64_t>& permute, bool flat) {
    auto q = torch::from_blob(const_cast<std::int8_t*>(w.q.data()), {w.rows, w.cols}, torch::kInt8).clone();
    if (!view.empty()) q = q.view(view).permute(permute).contiguous();
    if (flat) q = q.reshape({w.rows, w.cols});
    const auto wq = b.constant(name + "/weight_q", q);
    const auto scale = b.constant(name + "/weight_scale", floats(w.scale, {w.rows}));
    const auto zero = b.constant(name + "/weight_zero", torch::zeros({w.rows}, torch::kInt8));
    return b.node("DequantizeLinear", name + "/weight", {wq, scale, zero}, {{"axis", 0}});
}

}  // namespace

std::vector<std::int64_t> input_dims(const std::string& arch) {
    if (arch == "cnn") return {1, kSide, kSide};
    return {kSide * kSide};
}

onnx::ModelProto fp32_to_onnx(models::ClassifierImpl& model, const ModelMeta& meta) {
    torch::NoGradGuard no_grad;
    const std::string arch = quant::architecture(model);
    const auto views = quant::layer_views(model);  // batch norm folded, as the INT8 converter sees it
    const std::int64_t classes = views.back().weight.size(0);
    onnx::ModelProto m = new_model(meta, input_dims(arch), classes);
    GraphBuilder b(*m.mutable_graph());
    std::string x = normalise(b);
    for (std::size_t i = 0; i < views.size(); ++i) {
        const quant::LayerView& v = views[i];
        const bool last = i + 1 == views.size();
        const auto w = b.constant(v.name + "/weight", v.weight.contiguous());
        const auto bias = b.constant(v.name + "/bias", v.bias.contiguous());
        switch (v.kind) {
            case quant::LayerKind::Linear:
                if (v.flatten_from_conv) x = b.node("Flatten", v.name + "/flatten", {x}, {{"axis", 1}});
                x = gemm_node(b, v.name, x, w, bias);
                if (!last) x = b.node("Relu", v.name + "/relu", {x});
                break;
            case quant::LayerKind::Conv:
                x = b.node("Relu", v.name + "/relu", {conv3x3(b, v.name, x, w, bias)});
                if (v.pool_after) x = maxpool2(b, v.name + "/pool", x);
                break;
            case quant::LayerKind::Gated: {
                const auto& g = v.gated;
                x = gated(b, v.name, x, w, bias,
                          {g->shape(), g->policy(), g->gate_c.detach(), g->gate_cb.detach(), g->gate_f.detach(),
                           g->gate_fb.detach()});
                break;
            }
        }
    }
    b.rename_last_output(kOutputName);
    return m;
}

onnx::ModelProto int8_to_onnx(const quant::QuantModel& q, const ModelMeta& meta) {
    quant::validate(q, "INT8 model");
    onnx::ModelProto m = new_model(meta, input_dims(q.arch), q.classes);
    GraphBuilder b(*m.mutable_graph());
    std::string x = normalise(b);
    bool after_relu = false, spatial = q.arch == "cnn";
    std::int64_t channels = 1, side = kSide;  // of the spatial activation, while there is one
    for (std::size_t i = 0; i < q.ops.size(); ++i) {
        const quant::QOp& op = q.ops[i];
        if (i > 0 && op.kind != quant::OpKind::MaxPool &&
            (op.in.scale != q.ops[i - 1].out.scale || op.in.zero != q.ops[i - 1].out.zero))
            throw FormatError("INT8 model: " + op.name + " reads codes with other parameters than " +
                              q.ops[i - 1].name + " writes");
        const auto bias = [&] { return b.constant(op.name + "/bias", floats(op.w.bias, {op.w.rows})); };
        std::string y;
        switch (op.kind) {
            case quant::OpKind::Linear: {
                std::vector<std::int64_t> view, permute;
                if (spatial) {  // the engine flattens NHWC; ONNX flattens NCHW
                    x = b.node("Flatten", op.name + "/flatten", {x}, {{"axis", 1}});
                    view = {op.w.rows, side, side, channels};
                    permute = {0, 3, 1, 2};
                    spatial = false;
                }
                const auto xin = qdq(b, op.name + "/input", x, op.in, after_relu);
                y = gemm_node(b, op.name, xin, dq_weight(b, op.name, op.w, view, permute, true), bias());
                if (op.relu) y = b.node("Relu", op.name + "/relu", {y});
                break;
            }
            case quant::OpKind::Conv: {
                const auto xin = qdq(b, op.name + "/input", x, op.in, after_relu);
                const auto w = dq_weight(b, op.name, op.w, {op.w.rows, 3, 3, op.channels}, {0, 3, 1, 2}, false);
                y = conv3x3(b, op.name, xin, w, bias());
                if (op.relu) y = b.node("Relu", op.name + "/relu", {y});
                channels = op.w.rows;
                side = op.side;
                break;
            }
            case quant::OpKind::MaxPool:
                y = maxpool2(b, op.name, qdq(b, op.name + "/input", x, op.in, after_relu));
                side = op.side / 2;
                break;
            case quant::OpKind::Gated: {
                const auto xin = qdq(b, op.name + "/input", x, op.in, after_relu);
                const auto& s = op.gshape;
                y = gated(b, op.name, xin, dq_weight(b, op.name, op.w, {}, {}, true), bias(),
                          {s, op.policy, floats(op.gate_c, {s.groups, s.in}), floats(op.gate_cb, {s.groups}),
                           floats(op.gate_f, {s.blocks, s.in}), floats(op.gate_fb, {s.blocks})});
                if (!op.relu) throw FormatError("INT8 model: gated layer " + op.name + " without ReLU");
                break;
            }
        }
        if (op.kind != quant::OpKind::MaxPool) after_relu = op.relu;
        x = y;
    }
    b.rename_last_output(kOutputName);
    return m;
}

}  // namespace sparq::engine::exporter

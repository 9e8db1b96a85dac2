#include "quant/convert.h"

#include <cmath>

#include "quant/hooked.h"
#include "sparq/engine/errors.h"

namespace sparq::engine::quant {

namespace k = kernels;

namespace {

class ObserveHooks : public QuantHooks {
public:
    explicit ObserveHooks(Calibration& c) : c_(c) {}
    torch::Tensor act(int point, const torch::Tensor& t) override {
        c_.points.at(point).observe(t);
        return t;
    }

private:
    Calibration& c_;
};

// Records every point's float value (the reference for the error metric).
class RecordHooks : public QuantHooks {
public:
    std::vector<torch::Tensor> values;
    torch::Tensor act(int point, const torch::Tensor& t) override {
        if (values.size() <= std::size_t(point)) values.resize(point + 1);
        values[point] = t.detach();
        return t;
    }
};

int point_count(models::ClassifierImpl& model) { return int(layer_views(model).size()); }

// Per-row symmetric int8 of a [rows, cols] float matrix into w (then packed).
void fill_matrix(k::Int8Matrix& w, const torch::Tensor& weight2d, const torch::Tensor& bias) {
    const WeightQuant wq = quantize_weight(weight2d, true);
    w.rows = std::int32_t(weight2d.size(0));
    w.cols = std::int32_t(weight2d.size(1));
    const auto q = wq.q.contiguous();
    w.q.assign(q.data_ptr<std::int8_t>(), q.data_ptr<std::int8_t>() + q.numel());
    const auto s = wq.scale.to(torch::kFloat32).contiguous();
    w.scale.assign(s.data_ptr<float>(), s.data_ptr<float>() + s.numel());
    const auto b = bias.to(torch::kFloat32).contiguous();
    w.bias.assign(b.data_ptr<float>(), b.data_ptr<float>() + b.numel());
    k::int8_pack(w);
}

std::vector<float> to_vector(const torch::Tensor& t) {
    const auto c = t.detach().to(torch::kFloat32).contiguous();
    return {c.data_ptr<float>(), c.data_ptr<float>() + c.numel()};
}

}  // namespace

Calibration calibrate(models::ClassifierImpl& model, const torch::Tensor& images, ObserverKind kind,
                      int batch, double percentile) {
    torch::NoGradGuard no_grad;
    const bool was_training = model.is_training();
    model.eval();
    Calibration c;
    c.points.assign(point_count(model), Observer(kind, percentile));
    ObserveHooks hooks(c);
    for (std::int64_t i = 0; i < images.size(0); i += batch)
        forward_hooked(model, images.narrow(0, i, std::min<std::int64_t>(batch, images.size(0) - i)), hooks);
    model.train(was_training);
    return c;
}

QuantModel convert(models::ClassifierImpl& model, const Calibration& cal) {
    torch::NoGradGuard no_grad;
    const auto views = layer_views(model);
    if (cal.points.size() != views.size()) throw ConfigError("quantization: calibration does not match the model");
    QuantModel m;
    m.arch = architecture(model);
    m.input = cal.points[0].qparams();
    for (std::size_t i = 0; i < views.size(); ++i) {
        const LayerView& v = views[i];
        const bool last = i + 1 == views.size();
        QOp op;
        op.name = v.name;
        op.in = cal.points[i].qparams();
        op.float_out = last;
        op.relu = !last;
        if (!last) op.out = cal.points[i + 1].qparams();
        switch (v.kind) {
            case LayerKind::Linear: {
                op.kind = OpKind::Linear;
                torch::Tensor w = v.weight;
                if (v.flatten_from_conv)  // torch flattens [C, H, W]; the INT8 model keeps NHWC
                    w = w.view({w.size(0), v.flat_channels, v.flat_side, v.flat_side})
                            .permute({0, 2, 3, 1}).reshape({w.size(0), -1});
                fill_matrix(op.w, w, v.bias);
                break;
            }
            case LayerKind::Conv: {
                op.kind = OpKind::Conv;
                op.channels = std::int32_t(v.weight.size(1));
                op.side = v.in_side;
                fill_matrix(op.w, v.weight.permute({0, 2, 3, 1}).reshape({v.weight.size(0), -1}), v.bias);
                break;
            }
            case LayerKind::Gated: {
                op.kind = OpKind::Gated;
                fill_matrix(op.w, v.weight, v.bias);
                op.gshape = v.gated->shape();
                op.policy = v.gated->policy();
                op.gate_c = to_vector(v.gated->gate_c);
                op.gate_cb = to_vector(v.gated->gate_cb);
                op.gate_f = to_vector(v.gated->gate_f);
                op.gate_fb = to_vector(v.gated->gate_fb);
                break;
            }
        }
        m.ops.push_back(std::move(op));
        if (v.pool_after) {
            QOp pool;
            pool.kind = OpKind::MaxPool;
            pool.name = v.name + ".pool";
            pool.in = pool.out = m.ops.back().out;
            pool.channels = m.ops.back().w.rows;
            pool.side = v.in_side;
            m.ops.push_back(std::move(pool));
        }
    }
    m.classes = m.ops.back().w.rows;
    validate(m, "converted model");
    return m;
}

std::vector<LayerError> layer_errors(models::ClassifierImpl& model, const QuantModel& q,
                                     const torch::Tensor& images) {
    torch::NoGradGuard no_grad;
    const bool was_training = model.is_training();
    model.eval();
    for (auto& g : model.gated_layers()) g->set_use_kernel(false);
    RecordHooks rec;
    const auto logits = forward_hooked(model, images, rec).contiguous();
    for (auto& g : model.gated_layers()) g->set_use_kernel(true);
    model.train(was_training);

    const auto x = images.to(torch::kFloat32).contiguous();
    const std::int64_t n = x.size(0);
    std::vector<float> out(std::size_t(n) * q.classes);
    std::vector<std::vector<float>> trace;
    q.forward(x.data_ptr<float>(), n, out.data(), &trace);

    std::vector<LayerError> errors;
    int point = 1;
    for (std::size_t i = 0; i < q.ops.size(); ++i) {
        const QOp& op = q.ops[i];
        if (op.kind == OpKind::MaxPool) continue;
        torch::Tensor ref = op.float_out ? logits : rec.values.at(point++);
        if (ref.dim() == 4) ref = ref.permute({0, 2, 3, 1});  // NCHW -> NHWC, like the INT8 model
        ref = ref.reshape({n, -1}).contiguous();
        const auto got = torch::from_blob(trace[i].data(), {n, op.out_features()}, torch::kFloat32);
        const double denom = ref.norm().item<double>();
        LayerError e;
        e.name = op.name;
        e.kind = to_string(op.kind);
        e.error = denom > 0 ? (got - ref).norm().item<double>() / denom : 0.0;
        errors.push_back(e);
    }
    return errors;
}

double int8_accuracy(const QuantModel& q, const torch::Tensor& images, const torch::Tensor& labels) {
    const auto x = images.to(torch::kFloat32).contiguous();
    const std::int64_t n = x.size(0);
    auto logits = torch::empty({n, q.classes}, torch::kFloat32);
    q.forward(x.data_ptr<float>(), n, logits.data_ptr<float>());
    return logits.argmax(1).eq(labels).to(torch::kFloat64).mean().item<double>();
}

}  // namespace sparq::engine::quant

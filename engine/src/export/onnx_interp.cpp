#include "export/onnx_interp.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>
#include <numeric>

#include "sparq/engine/errors.h"

namespace sparq::engine::exporter {

namespace {

using Tensors = std::vector<torch::Tensor>;
using Node = onnx::NodeProto;

[[noreturn]] void fail(const Node& n, const std::string& msg) {
    throw FormatError("ONNX node '" + n.name() + "' (" + n.op_type() + "): " + msg);
}

const onnx::AttributeProto* attr(const Node& n, const char* name) {
    for (const auto& a : n.attribute())
        if (a.name() == name) return &a;
    return nullptr;
}
std::int64_t attr_i(const Node& n, const char* name, std::int64_t def) {
    const auto* a = attr(n, name);
    return a ? a->i() : def;
}
float attr_f(const Node& n, const char* name, float def) {
    const auto* a = attr(n, name);
    return a ? a->f() : def;
}
std::vector<std::int64_t> attr_ints(const Node& n, const char* name, std::vector<std::int64_t> def) {
    const auto* a = attr(n, name);
    return a ? std::vector<std::int64_t>(a->ints().begin(), a->ints().end()) : def;
}
std::string attr_s(const Node& n, const char* name, const std::string& def) {
    const auto* a = attr(n, name);
    return a ? a->s() : def;
}

torch::ScalarType to_scalar_type(int onnx_type, const std::string& what) {
    switch (onnx_type) {
        case onnx::TensorProto_DataType_FLOAT: return torch::kFloat32;
        case onnx::TensorProto_DataType_DOUBLE: return torch::kFloat64;
        case onnx::TensorProto_DataType_UINT8: return torch::kUInt8;
        case onnx::TensorProto_DataType_INT8: return torch::kInt8;
        case onnx::TensorProto_DataType_INT32: return torch::kInt32;
        case onnx::TensorProto_DataType_INT64: return torch::kInt64;
        case onnx::TensorProto_DataType_BOOL: return torch::kBool;
        default: throw FormatError(what + ": ONNX element type " + std::to_string(onnx_type) + " is not supported");
    }
}

std::int64_t norm_axis(std::int64_t axis, std::int64_t rank, const Node& n) {
    if (axis < -rank || axis >= rank) fail(n, "axis " + std::to_string(axis) + " is outside a rank-" + std::to_string(rank) + " tensor");
    return axis < 0 ? axis + rank : axis;
}

std::vector<std::int64_t> to_ints(const torch::Tensor& t) {
    const auto c = t.to(torch::kInt64).contiguous();
    return {c.data_ptr<std::int64_t>(), c.data_ptr<std::int64_t>() + c.numel()};
}

// Indices may be negative (counted from the end); checked against the axis length.
torch::Tensor fix_indices(const torch::Tensor& idx, std::int64_t len, const Node& n) {
    auto i = idx.to(torch::kInt64);
    i = torch::where(i < 0, i + len, i);
    if (i.numel() && (i.min().item<std::int64_t>() < 0 || i.max().item<std::int64_t>() >= len))
        fail(n, "an index is outside [-" + std::to_string(len) + ", " + std::to_string(len) + ")");
    return i;
}

// Reshapes a per-axis parameter (scale, zero point) of length x.size(axis) to broadcast
// along `axis` of x; scalars stay scalars.
torch::Tensor along_axis(const torch::Tensor& p, const torch::Tensor& x, std::int64_t axis, const Node& n) {
    if (p.dim() == 0 || (p.dim() == 1 && p.numel() == 1 && x.dim() == 0)) return p.reshape({});
    if (p.dim() != 1) fail(n, "scale and zero point must be scalars or 1-D");
    const std::int64_t a = norm_axis(axis, x.dim(), n);
    if (p.size(0) != x.size(a)) fail(n, "per-axis parameter of length " + std::to_string(p.size(0)) +
                                            " does not match axis " + std::to_string(a) + " of length " +
                                            std::to_string(x.size(a)));
    std::vector<std::int64_t> shape(x.dim(), 1);
    shape[a] = p.size(0);
    return p.reshape(shape);
}

torch::Tensor conv2d(const Node& n, const Tensors& in) {
    const auto& x = in[0];
    const auto& w = in[1];
    if (x.dim() != 4 || w.dim() != 4) fail(n, "only 2-D convolutions (4-D input and weight) are supported");
    const auto strides = attr_ints(n, "strides", {1, 1});
    const auto dil = attr_ints(n, "dilations", {1, 1});
    const auto pads = attr_ints(n, "pads", {0, 0, 0, 0});
    const auto ks = attr_ints(n, "kernel_shape", {w.size(2), w.size(3)});
    if (strides.size() != 2 || dil.size() != 2 || pads.size() != 4 || ks.size() != 2)
        fail(n, "strides, dilations, pads or kernel_shape do not describe a 2-D convolution");
    if (ks[0] != w.size(2) || ks[1] != w.size(3)) fail(n, "kernel_shape does not match the weight");
    const std::int64_t group = attr_i(n, "group", 1);
    auto xp = x;
    std::vector<std::int64_t> padding{pads[0], pads[1]};
    if (pads[0] != pads[2] || pads[1] != pads[3]) {  // begin != end: pad explicitly with zeros
        xp = torch::constant_pad_nd(x, {pads[1], pads[3], pads[0], pads[2]}, 0);
        padding = {0, 0};
    }
    const torch::Tensor bias = in.size() > 2 ? in[2] : torch::Tensor();
    return torch::conv2d(xp, w, bias, strides, padding, dil, group);
}

torch::Tensor maxpool2d(const Node& n, const Tensors& in) {
    const auto& x = in[0];
    if (x.dim() != 4) fail(n, "only 2-D pooling (4-D input) is supported");
    const auto ks = attr_ints(n, "kernel_shape", {});
    const auto strides = attr_ints(n, "strides", {1, 1});
    const auto dil = attr_ints(n, "dilations", {1, 1});
    const auto pads = attr_ints(n, "pads", {0, 0, 0, 0});
    if (ks.size() != 2 || strides.size() != 2 || dil.size() != 2 || pads.size() != 4)
        fail(n, "kernel_shape, strides, dilations or pads do not describe 2-D pooling");
    auto xp = x;
    std::vector<std::int64_t> padding{pads[0], pads[1]};
    if (pads[0] != pads[2] || pads[1] != pads[3]) {  // padded cells never win a max
        xp = torch::constant_pad_nd(x, {pads[1], pads[3], pads[0], pads[2]}, -std::numeric_limits<double>::infinity());
        padding = {0, 0};
    }
    return torch::max_pool2d(xp, ks, strides, padding, dil, attr_i(n, "ceil_mode", 0) != 0);
}

torch::Tensor gemm(const Node& n, const Tensors& in) {
    if (in[0].dim() != 2 || in[1].dim() != 2) fail(n, "A and B must be matrices");
    const auto a = attr_i(n, "transA", 0) ? in[0].t() : in[0];
    const auto b = attr_i(n, "transB", 0) ? in[1].t() : in[1];
    const float alpha = attr_f(n, "alpha", 1.f), beta = attr_f(n, "beta", 1.f);
    const bool has_c = in.size() > 2 && in[2].defined();
    if (has_c && alpha == 1.f && beta == 1.f) return torch::addmm(in[2], a, b);
    auto y = torch::mm(a, b);
    if (alpha != 1.f) y = y * alpha;
    if (has_c) y = y + (beta == 1.f ? in[2] : in[2] * beta);
    return y;
}

torch::Tensor quantize_linear(const Node& n, const Tensors& in) {
    const auto& x = in[0];
    const std::int64_t axis = attr_i(n, "axis", 1);
    const auto scale = along_axis(in[1], x, axis, n);
    const torch::Tensor zp = in.size() > 2 && in[2].defined() ? in[2] : torch::zeros({}, torch::kUInt8);
    if (zp.scalar_type() != torch::kUInt8 && zp.scalar_type() != torch::kInt8) fail(n, "zero point must be uint8 or int8");
    const bool is_signed = zp.scalar_type() == torch::kInt8;
    // y = saturate(round_half_to_even(x / y_scale) + y_zero_point)
    auto y = torch::round(x / scale) + along_axis(zp, x, axis, n).to(torch::kFloat32);
    y = y.clamp(is_signed ? -128 : 0, is_signed ? 127 : 255);
    return y.to(zp.scalar_type());
}

torch::Tensor dequantize_linear(const Node& n, const Tensors& in) {
    const auto& x = in[0];
    const std::int64_t axis = attr_i(n, "axis", 1);
    const auto scale = along_axis(in[1], x, axis, n);
    torch::Tensor zp = in.size() > 2 && in[2].defined() ? in[2] : torch::zeros({}, x.scalar_type());
    if (zp.scalar_type() != x.scalar_type()) fail(n, "zero point and input differ in type");
    // y = (x - x_zero_point) * x_scale
    return (x.to(torch::kFloat32) - along_axis(zp, x, axis, n).to(torch::kFloat32)) * scale;
}

Tensors topk(const Node& n, const Tensors& in) {
    const auto& x = in[0];
    const auto kv = to_ints(in[1]);
    if (kv.size() != 1) fail(n, "K must hold one value");
    const std::int64_t axis = norm_axis(attr_i(n, "axis", -1), x.dim(), n), k = kv[0];
    if (k < 0 || k > x.size(axis)) fail(n, "K = " + std::to_string(k) + " is outside [0, " + std::to_string(x.size(axis)) + "]");
    // A stable sort keeps equal values in index order: the lower index comes first, as the
    // specification requires (for both largest and smallest).
    const bool largest = attr_i(n, "largest", 1) != 0;
    auto [values, indices] = torch::sort(x, /*stable=*/true, axis, /*descending=*/largest);
    return {values.narrow(axis, 0, k).contiguous(), indices.narrow(axis, 0, k).contiguous()};
}

torch::Tensor reduce_sum(const Node& n, const Tensors& in) {
    const auto& x = in[0];
    const bool keep = attr_i(n, "keepdims", 1) != 0;
    std::vector<std::int64_t> axes;
    if (in.size() > 1 && in[1].defined()) axes = to_ints(in[1]);
    if (axes.empty()) {
        if (attr_i(n, "noop_with_empty_axes", 0)) return x;
        axes.resize(x.dim());
        std::iota(axes.begin(), axes.end(), 0);
    }
    for (auto& a : axes) a = norm_axis(a, x.dim(), n);
    return x.sum(axes, keep);
}

torch::Tensor reshape(const Node& n, const Tensors& in) {
    auto shape = to_ints(in[1]);
    const bool allow_zero = attr_i(n, "allowzero", 0) != 0;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (shape[i] == 0 && !allow_zero) {
            if (std::int64_t(i) >= in[0].dim()) fail(n, "a 0 in the shape has no input dimension to copy");
            shape[i] = in[0].size(std::int64_t(i));
        } else if (shape[i] < -1) {
            fail(n, "shape entry " + std::to_string(shape[i]) + " is invalid");
        }
    }
    return in[0].reshape(shape);
}

torch::Tensor unsqueeze(const Node& n, const Tensors& in) {
    auto axes = to_ints(in[1]);
    const std::int64_t rank = in[0].dim() + std::int64_t(axes.size());
    for (auto& a : axes) a = norm_axis(a, rank, n);
    std::sort(axes.begin(), axes.end());
    if (std::adjacent_find(axes.begin(), axes.end()) != axes.end()) fail(n, "repeated axis");
    auto y = in[0];
    for (const auto a : axes) y = y.unsqueeze(a);
    return y;
}

torch::Tensor squeeze(const Node& n, const Tensors& in) {
    auto y = in[0];
    if (in.size() < 2 || !in[1].defined()) return y.squeeze();
    auto axes = to_ints(in[1]);
    for (auto& a : axes) a = norm_axis(a, y.dim(), n);
    std::sort(axes.rbegin(), axes.rend());
    for (const auto a : axes) {
        if (y.size(a) != 1) fail(n, "axis " + std::to_string(a) + " does not have length 1");
        y = y.squeeze(a);
    }
    return y;
}

torch::Tensor scatter_elements(const Node& n, const Tensors& in) {
    const auto& data = in[0];
    if (attr_s(n, "reduction", "none") != "none") fail(n, "only reduction 'none' is supported");
    const std::int64_t axis = norm_axis(attr_i(n, "axis", 0), data.dim(), n);
    if (in[1].sizes() != in[2].sizes()) fail(n, "indices and updates differ in shape");
    return torch::scatter(data, axis, fix_indices(in[1], data.size(axis), n), in[2].to(data.scalar_type()));
}

torch::Tensor gather_elements(const Node& n, const Tensors& in) {
    const auto& data = in[0];
    const std::int64_t axis = norm_axis(attr_i(n, "axis", 0), data.dim(), n);
    return torch::gather(data, axis, fix_indices(in[1], data.size(axis), n));
}

torch::Tensor gather(const Node& n, const Tensors& in) {
    const auto& data = in[0];
    const std::int64_t axis = norm_axis(attr_i(n, "axis", 0), data.dim(), n);
    const auto idx = fix_indices(in[1], data.size(axis), n);
    std::vector<std::int64_t> shape(data.sizes().begin(), data.sizes().begin() + axis);
    for (const auto d : idx.sizes()) shape.push_back(d);
    for (std::int64_t d = axis + 1; d < data.dim(); ++d) shape.push_back(data.size(d));
    return data.index_select(axis, idx.reshape({-1})).reshape(shape);
}

torch::Tensor flatten(const Node& n, const Tensors& in) {
    const auto& x = in[0];
    std::int64_t axis = attr_i(n, "axis", 1);
    if (axis < -x.dim() || axis > x.dim()) fail(n, "axis out of range");
    if (axis < 0) axis += x.dim();
    std::int64_t outer = 1;
    for (std::int64_t d = 0; d < axis; ++d) outer *= x.size(d);
    return x.reshape({outer, outer == 0 ? 0 : x.numel() / std::max<std::int64_t>(outer, 1)});
}

torch::Tensor argmax(const Node& n, const Tensors& in) {
    const auto& x = in[0];
    const std::int64_t axis = norm_axis(attr_i(n, "axis", 0), x.dim(), n);
    const bool keep = attr_i(n, "keepdims", 1) != 0;
    if (attr_i(n, "select_last_index", 0)) {
        const auto flipped = x.flip({axis});
        return (x.size(axis) - 1) - flipped.argmax(axis, keep);
    }
    return x.argmax(axis, keep);  // the first maximal index
}

torch::Tensor clip(const Node& n, const Tensors& in) {
    auto y = in[0];
    if (in.size() > 1 && in[1].defined()) y = torch::maximum(y, in[1].reshape({}));
    if (in.size() > 2 && in[2].defined()) y = torch::minimum(y, in[2].reshape({}));
    return y;
}

torch::Tensor constant_of_shape(const Node& n, const Tensors& in) {
    const auto shape = to_ints(in[0]);
    const auto* a = attr(n, "value");
    if (!a) return torch::zeros(shape, torch::kFloat32);
    const auto v = from_tensor_proto(a->t());
    if (v.numel() != 1) fail(n, "value must hold one element");
    return torch::full(shape, v.reshape({}).item(), v.scalar_type());
}

torch::Tensor shape_of(const Node& n, const Tensors& in) {
    std::vector<std::int64_t> dims(in[0].sizes().begin(), in[0].sizes().end());
    const std::int64_t r = std::int64_t(dims.size());
    auto clampi = [&](std::int64_t v) { return std::clamp(v < 0 ? v + r : v, std::int64_t(0), r); };
    const std::int64_t start = clampi(attr_i(n, "start", 0)), end = clampi(attr_i(n, "end", r));
    std::vector<std::int64_t> out(dims.begin() + start, dims.begin() + std::max(start, end));
    return torch::tensor(out, torch::kInt64);
}

torch::Tensor divide(const Node& n, const Tensors& in) {
    if (at::isIntegralType(in[0].scalar_type(), false)) return torch::div(in[0], in[1], "trunc");
    return in[0] / in[1];
}

using OpFn = std::function<Tensors(const Node&, const Tensors&)>;

template <class F>
OpFn one(F f) {
    return [f](const Node& n, const Tensors& in) { return Tensors{f(n, in)}; };
}

const std::map<std::string, std::pair<int, OpFn>>& ops() {
    // op -> (fewest inputs, implementation)
    static const std::map<std::string, std::pair<int, OpFn>> table{
        {"Add", {2, one([](const Node&, const Tensors& in) { return in[0] + in[1]; })}},
        {"Sub", {2, one([](const Node&, const Tensors& in) { return in[0] - in[1]; })}},
        {"Mul", {2, one([](const Node&, const Tensors& in) { return in[0] * in[1]; })}},
        {"Div", {2, one(divide)}},
        {"Max", {1, one([](const Node&, const Tensors& in) {
             auto y = in[0];
             for (std::size_t i = 1; i < in.size(); ++i) y = torch::maximum(y, in[i]);
             return y;
         })}},
        {"Relu", {1, one([](const Node&, const Tensors& in) { return torch::relu(in[0]); })}},
        {"Identity", {1, one([](const Node&, const Tensors& in) { return in[0]; })}},
        {"Gemm", {2, one(gemm)}},
        {"MatMul", {2, one([](const Node&, const Tensors& in) { return torch::matmul(in[0], in[1]); })}},
        {"Conv", {2, one(conv2d)}},
        {"MaxPool", {1, one(maxpool2d)}},
        {"Flatten", {1, one(flatten)}},
        {"Reshape", {2, one(reshape)}},
        {"Transpose", {1, one([](const Node& n, const Tensors& in) {
             std::vector<std::int64_t> def(in[0].dim());
             std::iota(def.rbegin(), def.rend(), 0);
             return in[0].permute(attr_ints(n, "perm", def)).contiguous();
         })}},
        {"Squeeze", {1, one(squeeze)}},
        {"Unsqueeze", {2, one(unsqueeze)}},
        {"Concat", {1, one([](const Node& n, const Tensors& in) {
             return torch::cat(in, norm_axis(attr_i(n, "axis", 0), in[0].dim(), n));
         })}},
        {"Shape", {1, one(shape_of)}},
        {"ConstantOfShape", {1, one(constant_of_shape)}},
        {"Constant", {0, one([](const Node& n, const Tensors&) {
             const auto* a = attr(n, "value");
             if (!a) fail(n, "only the 'value' form of Constant is supported");
             return from_tensor_proto(a->t());
         })}},
        {"Cast", {1, one([](const Node& n, const Tensors& in) {
             return in[0].to(to_scalar_type(int(attr_i(n, "to", 0)), "Cast " + n.name()));
         })}},
        {"Clip", {1, one(clip)}},
        {"Softmax", {1, one([](const Node& n, const Tensors& in) {
             return torch::softmax(in[0], norm_axis(attr_i(n, "axis", -1), in[0].dim(), n));
         })}},
        {"ReduceSum", {1, one(reduce_sum)}},
        {"ArgMax", {1, one(argmax)}},
        {"TopK", {2, topk}},
        {"Gather", {2, one(gather)}},
        {"GatherElements", {2, one(gather_elements)}},
        {"ScatterElements", {3, one(scatter_elements)}},
        {"GreaterOrEqual", {2, one([](const Node&, const Tensors& in) { return in[0] >= in[1]; })}},
        {"Greater", {2, one([](const Node&, const Tensors& in) { return in[0] > in[1]; })}},
        {"Less", {2, one([](const Node&, const Tensors& in) { return in[0] < in[1]; })}},
        {"Equal", {2, one([](const Node&, const Tensors& in) { return in[0] == in[1]; })}},
        {"QuantizeLinear", {2, one(quantize_linear)}},
        {"DequantizeLinear", {2, one(dequantize_linear)}},
    };
    return table;
}

// Attribute values the implementations above do not cover.
void check_supported(const Node& n) {
    if (!n.domain().empty() && n.domain() != "ai.onnx") fail(n, "operators of domain '" + n.domain() + "' are not supported");
    const auto it = ops().find(n.op_type());
    if (it == ops().end()) fail(n, "operator not supported by Sparq's ONNX interpreter");
    if (attr_s(n, "auto_pad", "NOTSET") != "NOTSET") fail(n, "auto_pad other than NOTSET is not supported");
    if (n.op_type() == "MaxPool" && (n.output_size() > 1 && !n.output(1).empty())) fail(n, "the Indices output is not supported");
    if (n.op_type() == "MaxPool" && attr_i(n, "storage_order", 0) != 0) fail(n, "storage_order 1 is not supported");
}

}  // namespace

torch::Tensor from_tensor_proto(const onnx::TensorProto& p) {
    const std::string what = "ONNX tensor '" + p.name() + "'";
    if (p.data_location() == onnx::TensorProto_DataLocation_EXTERNAL)
        throw FormatError(what + ": external data is not supported");
    const auto type = to_scalar_type(p.data_type(), what);
    std::vector<std::int64_t> dims(p.dims().begin(), p.dims().end());
    std::int64_t count = 1;
    for (const auto d : dims) {
        if (d < 0) throw FormatError(what + ": negative dimension");
        count *= d;
    }
    auto t = torch::empty(dims, type);
    const std::size_t bytes = std::size_t(count) * t.element_size();
    if (p.has_raw_data()) {
        if (p.raw_data().size() != bytes)
            throw FormatError(what + ": holds " + std::to_string(p.raw_data().size()) + " bytes, its dims need " +
                              std::to_string(bytes));
        if (bytes) std::memcpy(t.data_ptr(), p.raw_data().data(), bytes);
        return t;
    }
    auto check = [&](int n) {
        if (n != count) throw FormatError(what + ": holds " + std::to_string(n) + " values, its dims need " + std::to_string(count));
    };
    switch (type) {
        case torch::kFloat32:
            check(p.float_data_size());
            std::copy(p.float_data().begin(), p.float_data().end(), t.data_ptr<float>());
            break;
        case torch::kFloat64:
            check(p.double_data_size());
            std::copy(p.double_data().begin(), p.double_data().end(), t.data_ptr<double>());
            break;
        case torch::kInt64:
            check(p.int64_data_size());
            std::copy(p.int64_data().begin(), p.int64_data().end(), t.data_ptr<std::int64_t>());
            break;
        default: {  // int32, int8, uint8, bool: int32_data
            check(p.int32_data_size());
            auto wide = torch::empty(dims, torch::kInt32);
            std::copy(p.int32_data().begin(), p.int32_data().end(), wide.data_ptr<std::int32_t>());
            t = wide.to(type);
        }
    }
    return t;
}

OnnxInterpreter::OnnxInterpreter(const onnx::ModelProto& model) {
    bool default_domain = false;
    for (const auto& o : model.opset_import()) {
        if (!o.domain().empty() && o.domain() != "ai.onnx")
            throw FormatError("ONNX model imports domain '" + o.domain() + "', which Sparq's interpreter does not implement");
        if (o.version() < 13 || o.version() > 17)
            throw FormatError("ONNX model imports opset " + std::to_string(o.version()) +
                              "; Sparq's interpreter implements the operators of opsets 13 to 17");
        default_domain = true;
    }
    if (!default_domain) throw FormatError("ONNX model imports no opset");
    const auto& g = model.graph();
    for (const auto& init : g.initializer()) initializers_[init.name()] = from_tensor_proto(init);
    for (const auto& in : g.input())
        if (!initializers_.count(in.name())) inputs_.push_back(in.name());
    for (const auto& out : g.output()) outputs_.push_back(out.name());
    for (const auto& n : g.node()) {
        check_supported(n);
        nodes_.push_back(n);
    }
}

std::vector<torch::Tensor> OnnxInterpreter::run(const std::vector<torch::Tensor>& inputs) const {
    if (inputs.size() != inputs_.size())
        throw FormatError("ONNX graph takes " + std::to_string(inputs_.size()) + " inputs, got " + std::to_string(inputs.size()));
    torch::NoGradGuard no_grad;
    std::unordered_map<std::string, torch::Tensor> env = initializers_;
    for (std::size_t i = 0; i < inputs.size(); ++i) env[inputs_[i]] = inputs[i];
    for (const auto& n : nodes_) {
        const auto& [min_inputs, fn] = ops().at(n.op_type());
        Tensors in;
        for (const auto& name : n.input()) {
            if (name.empty()) {
                in.emplace_back();
                continue;
            }
            const auto it = env.find(name);
            if (it == env.end()) fail(n, "input '" + name + "' is not computed before this node");
            in.push_back(it->second);
        }
        if (int(in.size()) < min_inputs) fail(n, "needs at least " + std::to_string(min_inputs) + " inputs");
        Tensors out;
        try {
            out = fn(n, in);
        } catch (const c10::Error& e) {
            const std::string what = e.what_without_backtrace();
            fail(n, what.substr(0, what.find('\n')));
        }
        for (int i = 0; i < n.output_size() && i < int(out.size()); ++i)
            if (!n.output(i).empty()) env[n.output(i)] = out[i];
    }
    std::vector<torch::Tensor> result;
    for (const auto& name : outputs_) {
        const auto it = env.find(name);
        if (it == env.end()) throw FormatError("ONNX graph output '" + name + "' is never computed");
        result.push_back(it->second);
    }
    return result;
}

torch::Tensor OnnxInterpreter::run(const torch::Tensor& input) const {
    const auto out = run(std::vector<torch::Tensor>{input});
    if (out.size() != 1) throw FormatError("ONNX graph has " + std::to_string(out.size()) + " outputs, expected one");
    return out[0];
}

}  // namespace sparq::engine::exporter

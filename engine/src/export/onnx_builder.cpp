#include "export/onnx_builder.h"

#include "sparq/engine/errors.h"

namespace sparq::engine::exporter {

namespace {

int onnx_type(torch::ScalarType t) {
    switch (t) {
        case torch::kFloat32: return onnx::TensorProto_DataType_FLOAT;
        case torch::kUInt8: return onnx::TensorProto_DataType_UINT8;
        case torch::kInt8: return onnx::TensorProto_DataType_INT8;
        case torch::kInt32: return onnx::TensorProto_DataType_INT32;
        case torch::kInt64: return onnx::TensorProto_DataType_INT64;
        default: throw ConfigError(std::string("ONNX export: no tensor type for ") + c10::toString(t));
    }
}

void add_tensor_type(onnx::ValueInfoProto* v, const std::string& name, const std::vector<std::int64_t>& dims) {
    v->set_name(name);
    auto* tt = v->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(onnx::TensorProto_DataType_FLOAT);
    auto* shape = tt->mutable_shape();
    shape->add_dim()->set_dim_param(kBatchDim);
    for (const auto d : dims) shape->add_dim()->set_dim_value(d);
}

}  // namespace

onnx::TensorProto to_tensor_proto(const torch::Tensor& t, const std::string& name) {
    const auto c = t.detach().to(torch::kCPU).contiguous();
    onnx::TensorProto p;
    p.set_name(name);
    p.set_data_type(onnx_type(c.scalar_type()));
    for (const auto d : c.sizes()) p.add_dims(d);
    p.set_raw_data(std::string(static_cast<const char*>(c.data_ptr()), c.nbytes()));
    return p;
}

std::string GraphBuilder::unique(const std::string& hint) {
    const int n = used_[hint]++;
    return n == 0 ? hint : hint + "_" + std::to_string(n);
}

std::string GraphBuilder::constant(const std::string& hint, const torch::Tensor& t) {
    const std::string name = unique(hint);
    *g_.add_initializer() = to_tensor_proto(t, name);
    return name;
}

std::string GraphBuilder::ints(const std::string& hint, const std::vector<std::int64_t>& v) {
    return constant(hint, torch::tensor(v, torch::kInt64));
}

std::string GraphBuilder::scalar(const std::string& hint, float v) {
    return constant(hint, torch::tensor(v, torch::kFloat32));
}

std::vector<std::string> GraphBuilder::node_n(const std::string& op, const std::string& name,
                                              const std::vector<std::string>& inputs, int outputs,
                                              const Attrs& attrs) {
    onnx::NodeProto* n = g_.add_node();
    const std::string node_name = unique(name);
    n->set_op_type(op);
    n->set_name(node_name);
    for (const auto& in : inputs) n->add_input(in);
    std::vector<std::string> outs;
    for (int i = 0; i < outputs; ++i) {
        outs.push_back(unique(outputs == 1 ? node_name : node_name + ":" + std::to_string(i)));
        n->add_output(outs.back());
    }
    for (const auto& [key, a] : attrs) {
        onnx::AttributeProto* p = n->add_attribute();
        p->set_name(key);
        switch (a.kind) {
            case Attr::Kind::Int:
                p->set_type(onnx::AttributeProto_AttributeType_INT);
                p->set_i(a.i);
                break;
            case Attr::Kind::Float:
                p->set_type(onnx::AttributeProto_AttributeType_FLOAT);
                p->set_f(a.f);
                break;
            case Attr::Kind::Ints:
                p->set_type(onnx::AttributeProto_AttributeType_INTS);
                for (const auto v : a.ints) p->add_ints(v);
                break;
            case Attr::Kind::String:
                p->set_type(onnx::AttributeProto_AttributeType_STRING);
                p->set_s(a.s);
                break;
            case Attr::Kind::Tensor:
                p->set_type(onnx::AttributeProto_AttributeType_TENSOR);
                *p->mutable_t() = to_tensor_proto(a.t, "");
                break;
        }
    }
    return outs;
}

void GraphBuilder::rename_last_output(const std::string& to) {
    onnx::NodeProto* n = g_.mutable_node(g_.node_size() - 1);
    n->set_output(0, to);
}

onnx::ModelProto new_model(const ModelMeta& meta, const std::vector<std::int64_t>& input_dims,
                           std::int64_t classes) {
    onnx::ModelProto m;
    m.set_ir_version(kOnnxIrVersion);
    auto* opset = m.add_opset_import();
    opset->set_domain("");
    opset->set_version(kOnnxOpset);
    m.set_producer_name("sparq");
    m.set_producer_version(SPARQ_VERSION);
    m.set_domain("ai.sparq");
    m.set_model_version(1);
    m.set_doc_string(meta.doc);
    for (const auto& [k, v] : meta.props) {
        auto* p = m.add_metadata_props();
        p->set_key(k);
        p->set_value(v);
    }
    onnx::GraphProto* g = m.mutable_graph();
    g->set_name("sparq_classifier");
    add_tensor_type(g->add_input(), kInputName, input_dims);
    add_tensor_type(g->add_output(), kOutputName, {classes});
    return m;
}

}  // namespace sparq::engine::exporter

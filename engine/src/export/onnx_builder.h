#pragma once
// Writing ONNX graphs with the ONNX protobuf definitions (libonnx, no Python): a model with
// Sparq's chosen opset and IR version, initializers from tensors, nodes with attributes.
//
// Opset 13 / IR version 7, deliberately: opset 13 is the first with per-axis (per-channel)
// QuantizeLinear/DequantizeLinear and the last change to the semantics of every operator
// Sparq emits (Softmax over one axis, ReduceSum and Unsqueeze taking their axes as inputs),
// and IR 7 is what that opset was released with. ONNX Runtime >= 1.6, TensorRT >= 8.0 and
// Triton's ONNX Runtime backend all load it; newer runtimes accept older opsets.
#include <onnx/onnx_pb.h>
#include <torch/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sparq::engine::exporter {

inline constexpr std::int64_t kOnnxOpset = 13;
inline constexpr std::int64_t kOnnxIrVersion = 7;
/// Name of the graph's input (pixels in [0, 1]) and output (logits).
inline constexpr const char* kInputName = "pixels";
inline constexpr const char* kOutputName = "logits";
/// Symbolic name of the dynamic batch dimension.
inline constexpr const char* kBatchDim = "batch";

/// One attribute value of a node.
struct Attr {
    enum class Kind { Int, Float, Ints, String, Tensor } kind = Kind::Int;
    std::int64_t i = 0;
    float f = 0;
    std::vector<std::int64_t> ints;
    std::string s;
    torch::Tensor t;
    Attr(std::int64_t v) : kind(Kind::Int), i(v) {}       // NOLINT: implicit on purpose
    Attr(int v) : kind(Kind::Int), i(v) {}                // NOLINT
    Attr(float v) : kind(Kind::Float), f(v) {}            // NOLINT
    Attr(std::vector<std::int64_t> v) : kind(Kind::Ints), ints(std::move(v)) {}  // NOLINT
    Attr(const char* v) : kind(Kind::String), s(v) {}     // NOLINT
    Attr(torch::Tensor v) : kind(Kind::Tensor), t(std::move(v)) {}  // NOLINT
};
using Attrs = std::vector<std::pair<std::string, Attr>>;

/// TensorProto of a CPU tensor (float32, uint8, int8, int32 or int64), raw little-endian data.
onnx::TensorProto to_tensor_proto(const torch::Tensor& t, const std::string& name);

/// Appends nodes and initializers to a graph; every value gets a unique name.
class GraphBuilder {
public:
    explicit GraphBuilder(onnx::GraphProto& graph) : g_(graph) {}

    /// An initializer holding t; returns its name ("<hint>", made unique).
    std::string constant(const std::string& hint, const torch::Tensor& t);
    std::string ints(const std::string& hint, const std::vector<std::int64_t>& v);
    std::string scalar(const std::string& hint, float v);

    /// One node; returns its outputs' names ("<name>:<i>" style, unique).
    std::vector<std::string> node_n(const std::string& op, const std::string& name,
                                    const std::vector<std::string>& inputs, int outputs,
                                    const Attrs& attrs = {});
    std::string node(const std::string& op, const std::string& name, const std::vector<std::string>& inputs,
                     const Attrs& attrs = {}) {
        return node_n(op, name, inputs, 1, attrs)[0];
    }
    /// Renames the single output of the last node (e.g. to the graph's output name).
    void rename_last_output(const std::string& to);

    onnx::GraphProto& graph() { return g_; }

private:
    std::string unique(const std::string& hint);
    onnx::GraphProto& g_;
    std::map<std::string, int> used_;
};

/// What the model's metadata_props carry (all "sparq." keys) and its doc string.
struct ModelMeta {
    std::string doc;
    std::map<std::string, std::string> props;
};

/// A model with the chosen IR version and opset, producer "sparq", one float input named
/// kInputName of shape [batch, ...input_dims] and one float output kOutputName [batch, classes].
onnx::ModelProto new_model(const ModelMeta& meta, const std::vector<std::int64_t>& input_dims,
                           std::int64_t classes);

}  // namespace sparq::engine::exporter

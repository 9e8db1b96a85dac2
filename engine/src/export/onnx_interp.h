#pragma once
// A small reference interpreter for ONNX graphs, one LibTorch expression per node. Debian
// has no ONNX Runtime, so this is how Sparq runs what it exported: every operator below
// follows the ONNX specification of its opset-13 version (unchanged up to opset 17), not
// Sparq's models, so a graph that computes the right thing here computes it in any
// conforming runtime. It evaluates on the CPU, in the graph's stored node order (the checker
// requires topological order).
//
// Operators: Add Sub Mul Div Max Relu Gemm MatMul Conv MaxPool Flatten Reshape Transpose
// Squeeze Unsqueeze Concat Shape ConstantOfShape Constant Identity Cast Clip Softmax ReduceSum
// ArgMax TopK Gather GatherElements ScatterElements GreaterOrEqual Greater Less Equal
// QuantizeLinear DequantizeLinear (per tensor and per axis). Only the attribute values Sparq's
// models need beyond the defaults are implemented; anything else is refused when the
// interpreter is built, with the node named.
#include <onnx/onnx_pb.h>
#include <torch/types.h>

#include <string>
#include <unordered_map>
#include <vector>

namespace sparq::engine::exporter {

/// The tensor an ONNX TensorProto holds (raw_data or the typed fields). Throws FormatError
/// for external data, unsupported element types or a size that does not match the dims.
torch::Tensor from_tensor_proto(const onnx::TensorProto& p);

class OnnxInterpreter {
public:
    /// Throws FormatError when the model imports an opset outside [13, 17] or another domain,
    /// or uses an operator or attribute value this interpreter does not implement.
    explicit OnnxInterpreter(const onnx::ModelProto& model);

    /// The graph's outputs for its inputs (in graph order). Throws FormatError naming the
    /// node when an operator's inputs do not fit it.
    std::vector<torch::Tensor> run(const std::vector<torch::Tensor>& inputs) const;
    /// One input, one output.
    torch::Tensor run(const torch::Tensor& input) const;

    const std::vector<std::string>& input_names() const { return inputs_; }
    const std::vector<std::string>& output_names() const { return outputs_; }

private:
    std::unordered_map<std::string, torch::Tensor> initializers_;
    std::vector<onnx::NodeProto> nodes_;
    std::vector<std::string> inputs_, outputs_;
};

}  // namespace sparq::engine::exporter

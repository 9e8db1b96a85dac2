#pragma once
// Sparq's models as ONNX graphs. Every graph takes what a user has, pixels scaled to [0, 1]
// ("pixels": [batch, 784] for MLPs, [batch, 1, 28, 28] for the CNN), normalises them inside
// the graph ((x - 0.2860) / 0.3530, the engine's training-set statistics) and returns
// "logits" [batch, 10].
//
// FP32: Gemm / Conv (batch norm folded in, as the INT8 converter does) / Relu / MaxPool /
// Flatten, computing what the float model computes in evaluation mode.
//
// INT8 (QDQ): the engine's INT8 model (quant/qmodel.h) written as QuantizeLinear /
// DequantizeLinear pairs around float operators. Weights: int8 [-127, 127] with one scale per
// output channel (DequantizeLinear axis 0, zero point 0). Activations: symmetric int8 with
// zero point 0, which both ONNX Runtime and TensorRT accept. The engine stores activations as
// 7-bit codes q in [0, 127] with a zero point z; the int8 code q - z carries the same value
// scale * (q - z), so the scales are the engine's own. Where the engine's range [-z, 127 - z]
// is narrower than int8's (the normalised input, where z > 0), a Clip to that range precedes
// the QuantizeLinear; after a ReLU with z = 0 int8 saturation clamps at 127 exactly as the
// engine does. Biases stay float, as in the engine's output stage.
//
// Gated sparse layers (kernels/gated_layout.h) in standard operators, top-k mode:
//   pg = Softmax(Gemm(x, Wc, bc))                       [N, G]
//   s  = pg[:, :, None] * Softmax(Reshape(Gemm(x, Wf, bf), [N, G, per]), axis 2)
//   group mask: ScatterElements of ones at TopK(pg, k_groups) indices
//   block mask: ScatterElements of ones at TopK(s, k_blocks, axis 2) indices, times the group mask
//   (TopK returns the lower index first among equal values: the engine's tie rule)
// threshold mode: mask = max(s >= threshold, one-hot of ArgMax(s)). Then
//   c = s * mask * (ReduceSum(mask) / ReduceSum(s * mask))   (coefficients averaging 1)
//   y = Relu(Reshape(Reshape(Gemm(x, W, b), [N, E, bo]) * c[:, :, None], [N, out]))
// Every block's product is computed and the dropped ones are multiplied by zero: the output
// is the engine's sparse path exactly, with dense cost on runtimes that have no gather-GEMM.
#include "export/onnx_builder.h"
#include "models/models.h"
#include "quant/qmodel.h"

namespace sparq::engine::exporter {

/// The float model (evaluated as in eval mode) as an ONNX model.
onnx::ModelProto fp32_to_onnx(models::ClassifierImpl& model, const ModelMeta& meta);

/// The engine's INT8 model as an ONNX model in QDQ form.
onnx::ModelProto int8_to_onnx(const quant::QuantModel& q, const ModelMeta& meta);

/// [1, 28, 28] for "cnn", [784] otherwise: the input's dimensions after the batch.
std::vector<std::int64_t> input_dims(const std::string& arch);

}  // namespace sparq::engine::exporter

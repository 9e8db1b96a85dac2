// Sparq's ONNX reference interpreter, operator by operator, against values computed by hand
// from the ONNX specification (independently of the exporter).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "export/onnx_builder.h"
#include "export/onnx_interp.h"
#include "export/onnx_io.h"
#include "sparq/engine/errors.h"

using namespace sparq::engine;
using namespace sparq::engine::exporter;

namespace {

// A model of one node whose inputs are the given tensors (as initializers, except the first,
// which is the graph input "x") and whose outputs are returned.
std::vector<torch::Tensor> run_node(const std::string& op, const std::vector<torch::Tensor>& inputs,
                                    const Attrs& attrs = {}, int outputs = 1) {
    onnx::ModelProto m;
    m.set_ir_version(kOnnxIrVersion);
    auto* o = m.add_opset_import();
    o->set_domain("");
    o->set_version(kOnnxOpset);
    GraphBuilder b(*m.mutable_graph());
    std::vector<std::string> names{"x"};
    auto* in = m.mutable_graph()->add_input();
    in->set_name("x");
    for (std::size_t i = 1; i < inputs.size(); ++i)
        names.push_back(inputs[i].defined() ? b.constant("in" + std::to_string(i), inputs[i]) : "");
    const auto outs = b.node_n(op, "n", names, outputs, attrs);
    for (const auto& name : outs) m.mutable_graph()->add_output()->set_name(name);
    return OnnxInterpreter(m).run(std::vector<torch::Tensor>{inputs[0]});
}

torch::Tensor run1(const std::string& op, const std::vector<torch::Tensor>& inputs, const Attrs& attrs = {}) {
    return run_node(op, inputs, attrs)[0];
}

torch::Tensor f(std::vector<float> v, std::vector<std::int64_t> shape) {
    return torch::tensor(v, torch::kFloat32).reshape(shape);
}
torch::Tensor i64(std::vector<std::int64_t> v) { return torch::tensor(v, torch::kInt64); }

void expect_eq(const torch::Tensor& got, const torch::Tensor& want) {
    ASSERT_EQ(got.sizes(), want.sizes());
    ASSERT_EQ(got.scalar_type(), want.scalar_type());
    EXPECT_TRUE(torch::equal(got, want)) << "got\n" << got << "\nwant\n" << want;
}

}  // namespace

TEST(OnnxInterp, GemmWithTransposeAlphaBeta) {
    // A = [[1,2],[3,4]], B^T = [[1,0],[1,1],[0,2]] -> B = [[1,1,0],[0,1,2]]; A B = [[1,3,4],[3,7,8]]
    const auto a = f({1, 2, 3, 4}, {2, 2});
    const auto bt = f({1, 0, 1, 1, 0, 2}, {3, 2});
    const auto c = f({10, 20, 30}, {3});
    expect_eq(run1("Gemm", {a, bt, c}, {{"transB", 1}}), f({11, 23, 34, 13, 27, 38}, {2, 3}));
    // alpha 2, beta 0.5: 2 * AB + 0.5 * C
    expect_eq(run1("Gemm", {a, bt, c}, {{"transB", 1}, {"alpha", 2.f}, {"beta", 0.5f}}),
              f({7, 16, 23, 11, 24, 31}, {2, 3}));
    // transA: A^T = [[1,3],[2,4]]; A^T B = [[1,4,6],[2,6,8]]
    expect_eq(run1("Gemm", {a, f({1, 1, 0, 0, 1, 2}, {2, 3})}, {{"transA", 1}}), f({1, 4, 6, 2, 6, 8}, {2, 3}));
}

TEST(OnnxInterp, ElementwiseBroadcastAndMatMul) {
    const auto x = f({1, -2, 3, -4, 5, -6}, {2, 3});
    expect_eq(run1("Add", {x, f({1, 1, 1}, {3})}), f({2, -1, 4, -3, 6, -5}, {2, 3}));
    expect_eq(run1("Sub", {x, f({1}, {1})}), f({0, -3, 2, -5, 4, -7}, {2, 3}));
    expect_eq(run1("Mul", {x, f({2, 1}, {2, 1})}), f({2, -4, 6, -4, 5, -6}, {2, 3}));
    expect_eq(run1("Div", {x, f({2}, {})}), f({0.5, -1, 1.5, -2, 2.5, -3}, {2, 3}));
    expect_eq(run1("Div", {i64({7, -7}), i64({2, 2})}), i64({3, -3}));  // integer division truncates
    expect_eq(run1("Relu", {x}), f({1, 0, 3, 0, 5, 0}, {2, 3}));
    expect_eq(run1("Max", {x, f({0, 0, 4}, {3})}), f({1, 0, 4, 0, 5, 4}, {2, 3}));
    // [2,3] x [3,1]
    expect_eq(run1("MatMul", {x, f({1, 1, 1}, {3, 1})}), f({2, -5}, {2, 1}));
}

TEST(OnnxInterp, ConvWithPaddingAndBias) {
    // 3x3 input 1..9, 2x2 kernel of ones, pads 1 on the top/left only, bias 0.5.
    const auto x = f({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3});
    const auto w = torch::ones({1, 1, 2, 2});
    const auto y = run1("Conv", {x, w, f({0.5}, {1})},
                        {{"kernel_shape", std::vector<std::int64_t>{2, 2}}, {"pads", std::vector<std::int64_t>{1, 1, 0, 0}}});
    // Padded input: row0 zeros, col0 zeros. Windows: [0+0+0+1]=1, [0+0+1+2]=3, [0+0+2+3]=5,
    // [0+1+0+4]=5, [1+2+4+5]=12, [2+3+5+6]=16, [0+4+0+7]=11, [4+5+7+8]=24, [5+6+8+9]=28.
    expect_eq(y, f({1.5, 3.5, 5.5, 5.5, 12.5, 16.5, 11.5, 24.5, 28.5}, {1, 1, 3, 3}));
    // Symmetric pads, stride 2: 3x3 kernel of ones over the 3x3 input padded by 1 -> corners.
    const auto y2 = run1("Conv", {x, torch::ones({1, 1, 3, 3})},
                         {{"pads", std::vector<std::int64_t>{1, 1, 1, 1}}, {"strides", std::vector<std::int64_t>{2, 2}}});
    expect_eq(y2, f({12, 16, 24, 28}, {1, 1, 2, 2}));
}

TEST(OnnxInterp, MaxPoolFlattenReshape) {
    const auto x = f({1, 5, 2, 0, 3, 4, 8, 1, 9, 2, 6, 7, 0, 1, 3, 2}, {1, 1, 4, 4});
    const auto y = run1("MaxPool", {x}, {{"kernel_shape", std::vector<std::int64_t>{2, 2}},
                                         {"strides", std::vector<std::int64_t>{2, 2}}});
    expect_eq(y, f({5, 8, 9, 7}, {1, 1, 2, 2}));
    // Default strides are 1: 3x3 outputs.
    const auto y1 = run1("MaxPool", {x}, {{"kernel_shape", std::vector<std::int64_t>{2, 2}}});
    expect_eq(y1, f({5, 8, 8, 9, 8, 8, 9, 6, 7}, {1, 1, 3, 3}));
    expect_eq(run1("Flatten", {torch::zeros({2, 3, 4})}, {{"axis", 2}}), torch::zeros({6, 4}));
    expect_eq(run1("Flatten", {torch::zeros({2, 3, 4})}, {{"axis", 0}}), torch::zeros({1, 24}));
    // 0 copies the input dimension, -1 is inferred.
    EXPECT_EQ(run1("Reshape", {torch::zeros({2, 3, 4}), i64({0, -1, 2})}).sizes(), (std::vector<std::int64_t>{2, 6, 2}));
}

TEST(OnnxInterp, SoftmaxReduceSumUnsqueezeShape) {
    const auto x = f({0, std::log(3.f), 0, 0}, {2, 2});
    const auto s = run1("Softmax", {x}, {{"axis", 1}});
    EXPECT_NEAR(s[0][0].item<float>(), 0.25f, 1e-7);
    EXPECT_NEAR(s[0][1].item<float>(), 0.75f, 1e-7);
    EXPECT_NEAR(s[1][0].item<float>(), 0.5f, 1e-7);
    const auto t = f({1, 2, 3, 4, 5, 6}, {2, 3});
    expect_eq(run1("ReduceSum", {t, i64({1})}), f({6, 15}, {2, 1}));
    expect_eq(run1("ReduceSum", {t, i64({0})}, {{"keepdims", 0}}), f({5, 7, 9}, {3}));
    expect_eq(run1("ReduceSum", {t}), f({21}, {1, 1}));  // no axes: every axis
    EXPECT_EQ(run1("Unsqueeze", {t, i64({2, 0})}).sizes(), (std::vector<std::int64_t>{1, 2, 1, 3}));
    expect_eq(run1("Shape", {t}), i64({2, 3}));
    expect_eq(run1("ConstantOfShape", {i64({2, 2})}, {{"value", torch::full({1}, 7.f)}}), torch::full({2, 2}, 7.f));
    expect_eq(run1("ConstantOfShape", {i64({3})}), torch::zeros({3}));
}

TEST(OnnxInterp, TopKPrefersLowerIndexOnTies) {
    const auto x = f({1, 3, 3, 2, 5, 5, 5, 0}, {2, 4});
    const auto out = run_node("TopK", {x, i64({2})}, {{"axis", 1}}, 2);
    expect_eq(out[0], f({3, 3, 5, 5}, {2, 2}));
    expect_eq(out[1], torch::tensor({1, 2, 0, 1}, torch::kInt64).reshape({2, 2}));
    const auto smallest = run_node("TopK", {x, i64({1})}, {{"axis", 1}, {"largest", 0}}, 2);
    expect_eq(smallest[1], torch::tensor({0, 3}, torch::kInt64).reshape({2, 1}));
}

TEST(OnnxInterp, ScatterGatherArgMax) {
    const auto data = torch::zeros({2, 4});
    const auto idx = torch::tensor({1, -1, 0, 2}, torch::kInt64).reshape({2, 2});  // -1 = the last
    const auto upd = f({1, 2, 3, 4}, {2, 2});
    expect_eq(run1("ScatterElements", {data, idx, upd}, {{"axis", 1}}), f({0, 1, 0, 2, 3, 0, 4, 0}, {2, 4}));
    const auto src = f({10, 11, 12, 13, 20, 21, 22, 23}, {2, 4});
    expect_eq(run1("GatherElements", {src, idx}, {{"axis", 1}}), f({11, 13, 20, 22}, {2, 2}));
    expect_eq(run1("Gather", {src, i64({1, 0, 1})}), f({20, 21, 22, 23, 10, 11, 12, 13, 20, 21, 22, 23}, {3, 4}));
    expect_eq(run1("Gather", {src, torch::tensor({3, 0}, torch::kInt64)}, {{"axis", 1}}), f({13, 10, 23, 20}, {2, 2}));
    const auto ties = f({1, 4, 4, 2}, {1, 4});
    expect_eq(run1("ArgMax", {ties}, {{"axis", 1}}), torch::tensor({1}, torch::kInt64).reshape({1, 1}));
    expect_eq(run1("ArgMax", {ties}, {{"axis", 1}, {"select_last_index", 1}, {"keepdims", 0}}),
              torch::tensor({2}, torch::kInt64));
    EXPECT_THROW(run1("ScatterElements", {data, torch::tensor({4, 0}, torch::kInt64).reshape({2, 1}), f({1, 1}, {2, 1})},
                      {{"axis", 1}}),
                 FormatError);
}

TEST(OnnxInterp, ComparisonsCastClip) {
    const auto x = f({-2, 0.5, 1, 3}, {4});
    expect_eq(run1("GreaterOrEqual", {x, f({1}, {})}), torch::tensor({false, false, true, true}));
    expect_eq(run1("Cast", {run1("Greater", {x, f({0}, {})})}, {{"to", std::int64_t(onnx::TensorProto_DataType_FLOAT)}}),
              f({0, 1, 1, 1}, {4}));
    expect_eq(run1("Clip", {x, f({-1}, {}), f({2}, {})}), f({-1, 0.5, 1, 2}, {4}));
    expect_eq(run1("Clip", {x, torch::Tensor(), f({0}, {})}), f({-2, 0, 0, 0}, {4}));  // max only
}

TEST(OnnxInterp, QuantizeLinearRoundsHalfToEvenAndSaturates) {
    // x / 0.5 = 1, 2.5 -> 2, 3.5 -> 4, -2.5 -> -2, 600, -600; + zero point 3 (uint8) / -1 (int8)
    const auto x = f({0.5, 1.25, 1.75, -1.25, 300, -300}, {6});
    expect_eq(run1("QuantizeLinear", {x, f({0.5}, {}), torch::full({}, 3, torch::kUInt8)}),
              torch::tensor({4, 5, 7, 1, 255, 0}, torch::kUInt8));
    expect_eq(run1("QuantizeLinear", {x, f({0.5}, {}), torch::full({}, -1, torch::kInt8)}),
              torch::tensor({0, 1, 3, -3, 127, -128}, torch::kInt8));
    // No zero point: uint8, zero 0.
    expect_eq(run1("QuantizeLinear", {f({-1, 1}, {2}), f({1}, {})}), torch::tensor({0, 1}, torch::kUInt8));
}

TEST(OnnxInterp, PerAxisQuantizeAndDequantize) {
    // Per output channel (axis 0) of a [2, 3] weight: scales 0.5 and 2.
    const auto q = torch::tensor({2, -4, 127, 1, 0, -127}, torch::kInt8).reshape({2, 3});
    const auto zero = torch::zeros({2}, torch::kInt8);
    expect_eq(run1("DequantizeLinear", {q, f({0.5, 2}, {2}), zero}, {{"axis", 0}}),
              f({1, -2, 63.5, 2, 0, -254}, {2, 3}));
    // Per axis 1 of an image batch [1, 2, 1, 2] with zero points 1 and 2.
    const auto img = torch::tensor({3, 5, 2, 10}, torch::kUInt8).reshape({1, 2, 1, 2});
    expect_eq(run1("DequantizeLinear", {img, f({1, 0.25}, {2}), torch::tensor({1, 2}, torch::kUInt8)}),
              f({2, 4, 0, 2}, {1, 2, 1, 2}));
    expect_eq(run1("QuantizeLinear", {f({1, 2, 3, 4}, {2, 2}), f({1, 2}, {2}), torch::zeros({2}, torch::kInt8)}, {{"axis", 0}}),
              torch::tensor({1, 2, 2, 2}, torch::kInt8).reshape({2, 2}));  // 3/2 = 1.5 -> 2, 4/2 = 2
    EXPECT_THROW(run1("DequantizeLinear", {q, f({0.5, 2, 1}, {3}), torch::zeros({3}, torch::kInt8)}, {{"axis", 0}}),
                 FormatError);
}

TEST(OnnxInterp, RefusesWhatItDoesNotImplement) {
    EXPECT_THROW(run1("LSTM", {torch::zeros({1})}), FormatError);
    EXPECT_THROW(run1("Conv", {torch::zeros({1, 1, 3, 3}), torch::ones({1, 1, 3, 3})}, {{"auto_pad", "SAME_UPPER"}}), FormatError);
    onnx::ModelProto m;
    m.add_opset_import()->set_version(9);
    EXPECT_THROW(OnnxInterpreter{m}, FormatError);
}

TEST(OnnxIo, CheckerRejectsBrokenModels) {
    EXPECT_THROW(parse_checked("not a protobuf at all", "junk"), FormatError);
    // A node whose input nobody produces.
    onnx::ModelProto m = new_model({}, {4}, 2);
    GraphBuilder b(*m.mutable_graph());
    b.node("Gemm", "g", {kInputName, "missing_weight"}, {{"transB", 1}});
    b.rename_last_output(kOutputName);
    EXPECT_THROW(parse_checked(serialize(m), "broken"), FormatError);
    // Shapes that do not fit: a [4 -> 3] weight but an output declared [batch, 2].
    onnx::ModelProto m2 = new_model({}, {4}, 2);
    GraphBuilder b2(*m2.mutable_graph());
    b2.node("Gemm", "g", {kInputName, b2.constant("w", torch::zeros({3, 4}))}, {{"transB", 1}});
    b2.rename_last_output(kOutputName);
    EXPECT_THROW(parse_checked(serialize(m2), "mismatch"), FormatError);
    // And a good one passes, keeping its opset and IR version.
    onnx::ModelProto m3 = new_model({}, {4}, 3);
    GraphBuilder b3(*m3.mutable_graph());
    b3.node("Gemm", "g", {kInputName, b3.constant("w", torch::zeros({3, 4}))}, {{"transB", 1}});
    b3.rename_last_output(kOutputName);
    const auto back = parse_checked(serialize(m3), "good");
    EXPECT_EQ(back.ir_version(), kOnnxIrVersion);
    EXPECT_EQ(back.opset_import(0).version(), kOnnxOpset);
}

// ONNX export of every architecture: the written file passes the checker and, run by the
// reference interpreter, computes what the engine computes.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "common/test_data.h"
#include "data/fashion_mnist.h"
#include "data/idx.h"
#include "export/onnx_interp.h"
#include "export/onnx_io.h"
#include "export/onnx_models.h"
#include "models/models.h"
#include "quant/convert.h"

using namespace sparq::engine;
using namespace sparq::engine::exporter;

namespace {

constexpr double kFp32Tolerance = 1e-4;  // the bar for FP32 exports

// A preset's architecture with seeded weights and non-trivial batch-norm statistics.
std::shared_ptr<models::ClassifierImpl> make(const std::string& preset) {
    torch::manual_seed(3);
    auto m = models::make_model(load_preset(preset));
    torch::NoGradGuard no_grad;
    for (auto& item : m->named_buffers()) {
        if (item.key().find("running_mean") != std::string::npos) item.value().uniform_(-0.3, 0.3);
        if (item.key().find("running_var") != std::string::npos) item.value().uniform_(0.5, 2.0);
    }
    for (auto& item : m->named_parameters())
        if (item.key().find("bn") != std::string::npos) item.value().uniform_(0.5, 1.5);
    m->eval();
    return m;
}

// Pixels in [0, 1]: the first test images when Fashion-MNIST is installed, else random (the
// exported graphs must match the engine on any input; real images add realistic activations).
torch::Tensor pixels(std::int64_t n) {
    const std::string dir = sparq::test::fashion_mnist_dir();
    if (sparq::test::have_fashion_mnist()) {
        const auto s = data::read_idx_split(dir, "t10k");
        return torch::from_blob(const_cast<std::uint8_t*>(s.pixels.data()), {s.count, 784}, torch::kUInt8)
            .narrow(0, 0, n).to(torch::kFloat32).div(255.0f);
    }
    torch::manual_seed(5);
    return torch::rand({n, 784});
}

torch::Tensor normalised(const torch::Tensor& px) { return (px - data::kPixelMean) / data::kPixelStd; }

torch::Tensor as_input(const torch::Tensor& px, const std::string& arch) {
    return arch == "cnn" ? px.view({-1, 1, 28, 28}) : px;
}

struct Compared {
    double max_abs_diff = 0;
    double argmax_agreement = 0;
};

Compared compare(const torch::Tensor& a, const torch::Tensor& b) {
    return {(a - b).abs().max().item<double>(), a.argmax(1).eq(b.argmax(1)).to(torch::kFloat64).mean().item<double>()};
}

onnx::ModelProto round_trip(const onnx::ModelProto& m) { return parse_checked(serialize(m), "round trip"); }

}  // namespace

TEST(OnnxExport, Fp32MlpAndCnnMatchTheEngine) {
    for (const std::string preset : {"mlp-fashion", "cnn-fashion"}) {
        auto model = make(preset);
        const std::string arch = preset == "cnn-fashion" ? "cnn" : "mlp";
        const auto m = round_trip(fp32_to_onnx(*model, {"test", {{"sparq.preset", preset}}}));
        EXPECT_EQ(m.ir_version(), kOnnxIrVersion);
        ASSERT_EQ(m.opset_import_size(), 1);
        EXPECT_EQ(m.opset_import(0).version(), kOnnxOpset);
        EXPECT_EQ(metadata(m).at("sparq.preset"), preset);
        const auto& in = m.graph().input(0).type().tensor_type().shape();
        EXPECT_EQ(in.dim(0).dim_param(), kBatchDim);
        EXPECT_EQ(in.dim_size(), arch == "cnn" ? 4 : 2);

        const auto px = pixels(512);
        torch::NoGradGuard no_grad;
        const auto want = model->forward(normalised(px));
        const auto got = OnnxInterpreter(m).run(as_input(px, arch));
        ASSERT_EQ(got.sizes(), want.sizes());
        const auto c = compare(got, want);
        EXPECT_LE(c.max_abs_diff, kFp32Tolerance) << preset;
        EXPECT_EQ(c.argmax_agreement, 1.0) << preset;
        // A batch of one and a batch of 3: the batch dimension is dynamic.
        for (const std::int64_t n : {1, 3}) {
            const auto small = OnnxInterpreter(m).run(as_input(px.narrow(0, 0, n), arch));
            EXPECT_LE((small - want.narrow(0, 0, n)).abs().max().item<double>(), kFp32Tolerance);
        }
    }
}

TEST(OnnxExport, GatedSparseMatchesTheEngineSparsePath) {
    for (const std::string mode : {"topk", "threshold"}) {
        TrainSpec spec = load_preset("gated-mlp-fashion");
        spec.hidden = {256, 128};
        spec.blocks = 16;
        spec.groups = 4;
        spec.gate_mode = mode;
        spec.gate_threshold = 0.06;
        torch::manual_seed(9);
        auto model = models::make_model(spec);
        model->eval();
        const auto m = round_trip(fp32_to_onnx(*model, {}));
        const auto px = pixels(256);
        torch::NoGradGuard no_grad;
        const auto want = model->forward(normalised(px));  // the dispatch kernel (eval, CPU)
        const auto got = OnnxInterpreter(m).run(px);
        const auto c = compare(got, want);
        EXPECT_LE(c.max_abs_diff, kFp32Tolerance) << mode;
        EXPECT_EQ(c.argmax_agreement, 1.0) << mode;
        // Through the masked path too (the same function, another implementation).
        for (auto& g : model->gated_layers()) g->set_use_kernel(false);
        EXPECT_LE((got - model->forward(normalised(px))).abs().max().item<double>(), kFp32Tolerance) << mode;
    }
}

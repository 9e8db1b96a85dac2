// Quantization: observers, weight formats, conversion of every architecture, QAT's
// simulation against the real INT8 model, the error metric, and the model file format.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <zlib.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "common/temp_dir.h"
#include "models/models.h"
#include "quant/convert.h"
#include "quant/hooked.h"
#include "quant/qat.h"
#include "quant/qformat.h"
#include "sparq/engine/errors.h"

using namespace sparq::engine;
using namespace sparq::engine::quant;

namespace {

TrainSpec small_spec(const std::string& model) {
    TrainSpec s;
    s.model = model;
    s.hidden = {64, 32};
    s.channels = {8, 16};
    s.fc = 32;
    s.blocks = 8;
    s.groups = 2;
    s.active_fraction = 0.5;
    return s;
}

// A model with non-trivial batch-norm statistics, in eval mode.
std::shared_ptr<models::ClassifierImpl> make(const std::string& arch) {
    torch::manual_seed(11);
    auto m = models::make_model(small_spec(arch));
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

torch::Tensor logits_of(const QuantModel& q, const torch::Tensor& x) {
    auto out = torch::empty({x.size(0), q.classes});
    const auto xc = x.contiguous();
    q.forward(xc.data_ptr<float>(), x.size(0), out.data_ptr<float>());
    return out;
}

double rel(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).norm().item<double>() / b.norm().item<double>(); }

}  // namespace

TEST(Quantization, PerChannelBeatsPerTensorOnUnevenChannels) {
    torch::manual_seed(1);
    auto w = torch::randn({8, 64});
    w.mul_(torch::tensor({0.01f, 0.05f, 0.1f, 0.5f, 1.f, 2.f, 5.f, 10.f}).view({8, 1}));
    auto mse = [&](bool per_channel) {
        const WeightQuant q = quantize_weight(w, per_channel);
        const auto back = q.q.to(torch::kFloat32) * q.scale.view({8, 1});
        // Each channel's relative error, averaged: every output neuron counts the same.
        return ((back - w).norm(2, {1}) / w.norm(2, {1})).mean().item<double>();
    };
    const double pc = mse(true), pt = mse(false);
    EXPECT_LT(pc * 10, pt) << "per-channel " << pc << " per-tensor " << pt;
    EXPECT_LT(pc, 0.01);
    // Small channels lose nearly everything under one shared scale.
    const WeightQuant t = quantize_weight(w, false);
    EXPECT_EQ(t.q[0].abs().max().item<int>(), 0);
}

TEST(Quantization, WeightRoundTripIsWithinHalfAStep) {
    torch::manual_seed(2);
    const auto w = torch::randn({16, 40}) * 3;
    const WeightQuant q = quantize_weight(w, true);
    const auto step = q.scale.view({16, 1});
    const auto err = (q.q.to(torch::kFloat32) * step - w).abs();
    EXPECT_TRUE((err <= step * 0.5001).all().item<bool>());
    EXPECT_LE(q.q.abs().max().item<int>(), 127);
}

TEST(Quantization, ObserversChooseTheDocumentedRanges) {
    torch::manual_seed(3);
    Observer mm(ObserverKind::MinMax);
    mm.observe(torch::tensor({-1.f, 0.5f, 2.f}));
    mm.observe(torch::tensor({3.f, 0.f}));
    EXPECT_FLOAT_EQ(mm.range().first, -1.f);
    EXPECT_FLOAT_EQ(mm.range().second, 3.f);
    const QParams q = mm.qparams();
    EXPECT_FLOAT_EQ(q.scale, 4.f / 127);
    EXPECT_EQ(q.zero, 32);  // round(1 / (4 / 127)) = round(31.75)

    Observer ema(ObserverKind::Ema, 99.99, 0.5);
    ema.observe(torch::tensor({0.f, 4.f}));
    ema.observe(torch::tensor({0.f, 2.f}));
    EXPECT_FLOAT_EQ(ema.range().second, 3.f);

    // Heavy tail: a few huge values. Percentile and MSE clip them; min/max keeps them.
    auto data = torch::rand({100000}) * 2;
    data.index_put_({torch::arange(0, 10)}, 100.f);
    Observer pct(ObserverKind::Percentile, 99.9), mse(ObserverKind::Mse), mx(ObserverKind::MinMax);
    for (auto* o : {&pct, &mse, &mx}) o->observe(data);
    EXPECT_FLOAT_EQ(mx.range().second, 100.f);
    EXPECT_LT(pct.range().second, 2.1f);
    EXPECT_LT(mse.range().second, 100.f);
    auto roundtrip = [&](const Observer& o) {
        const QParams p = o.qparams();
        return (torch::fake_quantize_per_tensor_affine(data, p.scale, p.zero, 0, 127) - data).pow(2).sum().item<double>();
    };
    EXPECT_LT(roundtrip(mse), roundtrip(mx));
    EXPECT_THROW(parse_observer("kl"), ConfigError);
}

TEST(Quantization, Int8ModelTracksTheFloatModelForEveryArchitecture) {
    for (const std::string arch : {"mlp", "cnn", "gated-mlp"}) {
        auto model = make(arch);
        torch::manual_seed(4);
        const auto cal = torch::randn({512, 784});
        const QuantModel q = convert(*model, calibrate(*model, cal, ObserverKind::MinMax));
        EXPECT_EQ(q.arch, arch);
        torch::NoGradGuard no_grad;
        const auto x = torch::randn({300, 784});
        const auto ref = model->forward(x);
        const auto got = logits_of(q, x);
        // Batch norm folding, NHWC order and the gate all have to be right for this to hold.
        EXPECT_LT(rel(got, ref), arch == "gated-mlp" ? 0.15 : 0.08) << arch;
        const double agree = got.argmax(1).eq(ref.argmax(1)).to(torch::kFloat64).mean().item<double>();
        EXPECT_GT(agree, 0.85) << arch;
    }
}

TEST(Quantization, QatForwardSimulatesTheInt8Model) {
    // The fake-quantized float forward (what QAT trains) and the real INT8 model compute the
    // same function up to float rounding of the products.
    for (const std::string arch : {"mlp", "cnn"}) {
        auto model = make(arch);
        torch::manual_seed(5);
        const auto cal = torch::randn({256, 784});
        Calibration c = calibrate(*model, cal, ObserverKind::MinMax);
        const QuantModel q = convert(*model, c);
        FakeQuantHooks hooks(c, 0);
        torch::NoGradGuard no_grad;
        const auto x = torch::randn({64, 784});
        const auto fake = forward_hooked(*model, x, hooks);
        EXPECT_LT(rel(logits_of(q, x), fake), 0.02) << arch;
    }
}

TEST(Quantization, QatGradientsPassStraightThrough) {
    auto model = make("mlp");
    model->train();
    const auto cal = torch::randn({128, 784});
    FakeQuantHooks hooks(calibrate(*model, cal, ObserverKind::Ema), 10);
    const auto loss = torch::nn::functional::cross_entropy(forward_hooked(*model, cal, hooks),
                                                           torch::randint(10, {128}));
    loss.backward();
    for (const auto& p : model->parameters()) {
        ASSERT_TRUE(p.grad().defined());
        EXPECT_GT(p.grad().abs().sum().item<double>(), 0.0);
    }
}

TEST(Quantization, LayerErrorMatchesAHandComputation) {
    // One linear layer (an MLP without hidden layers): dequantize its weights and its input
    // codes by hand, in double precision, and compare with the metric.
    torch::manual_seed(6);
    auto model = std::make_shared<models::MlpImpl>(784, std::vector<int>{}, 10);
    model->eval();
    const auto x = torch::randn({32, 784});
    const Calibration c = calibrate(*model, x, ObserverKind::MinMax);
    const QuantModel q = convert(*model, c);
    const auto errors = layer_errors(*model, q, x);
    ASSERT_EQ(errors.size(), 1u);

    torch::NoGradGuard no_grad;
    const auto& op = q.ops[0];
    const auto wq = torch::from_blob(const_cast<std::int8_t*>(op.w.q.data()), {10, 784}, torch::kInt8).to(torch::kFloat64);
    const auto ws = torch::from_blob(const_cast<float*>(op.w.scale.data()), {10}, torch::kFloat32).to(torch::kFloat64);
    const auto codes = torch::clamp(torch::round(x.to(torch::kFloat64) / q.input.scale) + q.input.zero, 0, 127);
    const auto xd = (codes - q.input.zero) * q.input.scale;
    const auto y_int8 = xd.matmul((wq * ws.view({10, 1})).t()) + model->layers()[0]->bias.to(torch::kFloat64);
    const auto y_fp32 = model->forward(x).to(torch::kFloat64);
    const double hand = (y_int8 - y_fp32).norm().item<double>() / y_fp32.norm().item<double>();
    EXPECT_NEAR(errors[0].error, hand, 1e-5 + 1e-4 * hand);
    EXPECT_GT(errors[0].error, 0.0);
}

TEST(Quantization, ModelFileRoundTripsAndRejectsDamage) {
    sparq::test::TempDir dir;
    auto model = make("gated-mlp");
    const auto x = torch::randn({64, 784});
    const QuantModel q = convert(*model, calibrate(*model, x, ObserverKind::MinMax));
    const std::string path = dir.file("m.sqint8");
    const std::int64_t bytes = save_int8_model(q, {{"run_id", 7}}, path);
    EXPECT_EQ(bytes, std::int64_t(std::filesystem::file_size(path)));

    nlohmann::json meta;
    const QuantModel back = load_int8_model(path, &meta);
    EXPECT_EQ(meta.at("run_id"), 7);
    EXPECT_TRUE(torch::equal(logits_of(back, x), logits_of(q, x)));

    std::string file;
    {
        std::ifstream in(path, std::ios::binary);
        file.assign(std::istreambuf_iterator<char>(in), {});
    }
    auto write = [&](const std::string& name, const std::string& content) {
        std::ofstream(dir.file(name), std::ios::binary) << content;
        return dir.file(name);
    };
    auto expect_error = [&](const std::string& p, const std::string& words) {
        try {
            load_int8_model(p);
            ADD_FAILURE() << p << " loaded";
        } catch (const DataError& e) {
            EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
        }
    };
    std::string flipped = file;
    flipped[flipped.size() / 2] ^= 0x40;
    expect_error(write("flipped.sqint8", flipped), "checksum");
    expect_error(write("truncated.sqint8", file.substr(0, file.size() - 100)), "checksum");
    expect_error(write("tiny.sqint8", "SQ"), "magic");
    expect_error(write("text.sqint8", "{\"not\": \"a model\"}\n"), "magic");
    expect_error(dir.file("missing.sqint8"), "cannot open");

    // A well-formed file (valid checksum) whose header lies: newer version, shape mismatch.
    auto reseal = [](std::string f) {
        const uLong crc = crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(f.data()), uInt(f.size() - 4));
        for (int i = 0; i < 4; ++i) f[f.size() - 4 + i] = char((crc >> (8 * i)) & 0xff);
        return f;
    };
    std::string newer = file;
    newer[8] = 2;
    expect_error(write("newer.sqint8", reseal(newer)), "newer Sparq");
    std::string lying = file;
    const auto at = lying.find("\"rows\":64");
    ASSERT_NE(at, std::string::npos);
    lying.replace(at, 9, "\"rows\":65");
    expect_error(write("lying.sqint8", reseal(lying)), "bytes");
}

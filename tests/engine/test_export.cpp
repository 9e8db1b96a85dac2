// Export end to end at the engine level: every format from a checkpoint, the files written
// safely and verified; the bundle's manifest round trip and the loader's refusals.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/temp_dir.h"
#include "common/test_data.h"
#include "export/bundle.h"
#include "export/onnx_io.h"
#include "models/models.h"
#include "quant/qformat.h"
#include "sparq/engine/errors.h"
#include "sparq/engine/engine.h"
#include "sparq/engine/export.h"
#include "sparq/profiler/metric_bus.h"
#include "train/checkpoint.h"

using namespace sparq::engine;
using namespace sparq::engine::exporter;
using sparq::test::TempDir;
namespace fs = std::filesystem;

namespace {

// Keeps a job's log lines.
class Messages : public JobSink {
public:
    explicit Messages(std::vector<std::string>* out) : out_(out) {}
    void on_log(const std::string&, const std::string& message) override {
        if (out_) out_->push_back(message);
    }

private:
    std::vector<std::string>* out_;
};

// An export as a job of an engine without a history (as an export of a checkpoint file runs):
// a bad spec throws at submission; a job that failed throws its message.
ExportResult export_model(const ExportSpec& spec, std::vector<std::string>* said = nullptr) {
    sparq::profiler::MetricBus bus;
    EngineOptions o;
    o.bus = &bus;
    o.sample_process = false;
    Engine engine(o);
    Messages sink(said);
    const auto job = engine.submit(spec, sink);
    const JobEnd end = job.wait();
    if (end.status != JobStatus::Completed) throw std::runtime_error(end.error);
    return job.get();
}

// A checkpoint of a small model of `arch` (seeded weights; no training needed to check that
// an export computes what the engine computes).
std::string make_checkpoint(const TempDir& dir, const std::string& arch) {
    TrainSpec spec = load_preset(arch == "cnn" ? "cnn-fashion" : arch == "gated-mlp" ? "gated-mlp-fashion" : "mlp-fashion");
    spec.hidden = arch == "gated-mlp" ? std::vector<int>{128, 64} : std::vector<int>{64, 32};
    spec.channels = {4, 8};
    spec.fc = 16;
    spec.blocks = 8;
    spec.groups = 2;
    spec.active_fraction = 0.5;
    torch::manual_seed(21);
    auto model = models::make_model(spec);
    torch::NoGradGuard no_grad;
    for (auto& item : model->named_buffers())
        if (item.key().find("running_var") != std::string::npos) item.value().uniform_(0.5, 2.0);
    torch::optim::Adam opt(model->parameters());
    const std::string path = dir.file(arch + ".pt");
    train::save_checkpoint(path, *model, opt, {1, 10, to_json(spec)});
    return path;
}

ExportSpec spec_for(const std::string& checkpoint, const std::string& format, const std::string& out) {
    ExportSpec s;
    s.checkpoint = checkpoint;
    s.format = format;
    s.out = out;
    s.limit_test = 300;
    s.threads = 2;
    return s;
}

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_all(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), std::streamsize(bytes.size()));
}

void put_u32(std::string& s, std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) s[at + i] = char((v >> (8 * i)) & 0xff);
}

// Recomputes the trailing CRC after an edit, so that a deeper check must catch the edit.
std::string with_crc(std::string s) {
    put_u32(s, s.size() - 4, std::uint32_t(crc32(0L, reinterpret_cast<const Bytef*>(s.data()), uInt(s.size() - 4))));
    return s;
}

std::vector<std::string> leftovers(const std::string& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.path().filename().string().find(".tmp") != std::string::npos) out.push_back(e.path().string());
    return out;
}

BundleManifest every_field_set() {
    BundleManifest m;
    m.sparq_version = "9.8.7";
    m.created = "2031-02-03T04:05:06Z";
    m.run_id = 42;
    m.run_name = "a run \"quoted\" é";
    m.preset = "gated-mlp-fashion";
    m.checkpoint = "/tmp/x/checkpoint.pt";
    m.architecture = "gated-mlp";
    m.inputs = 784;
    m.classes = 10;
    m.params = 123456;
    m.spec = {{"model", "gated-mlp"}, {"hidden", {1024, 1024}}};
    m.precision = "int8";
    m.sparsity = nlohmann::json::array({{{"blocks", 32}, {"mode", "topk"}, {"k_groups", 2}}});
    m.calibration = {{"method", "qat"}, {"observer", "mse"}, {"images", 2000}};
    m.test_accuracy = 0.8765432109876;
    m.test_images = 9999;
    m.dataset = "fashion-mnist t10k";
    m.input_shape = {-1, 784};
    m.pixel_mean = 0.2860f;
    m.pixel_std = 0.3530f;
    m.output_shape = {-1, 10};
    m.labels = class_names();
    m.payload_bytes = 128;
    m.blobs = {{"int8_model", "sqint8", {100}, 0, 100, std::string(64, 'a')}};
    return m;
}

}  // namespace

TEST(Bundle, ManifestRoundTripKeepsEveryField) {
    const BundleManifest m = every_field_set();
    const BundleManifest back = manifest_from_json(nlohmann::json::parse(to_json(m).dump()), "test");
    EXPECT_EQ(back.format_version, m.format_version);
    EXPECT_EQ(back.sparq_version, m.sparq_version);
    EXPECT_EQ(back.created, m.created);
    EXPECT_EQ(back.run_id, m.run_id);
    EXPECT_EQ(back.run_name, m.run_name);
    EXPECT_EQ(back.preset, m.preset);
    EXPECT_EQ(back.checkpoint, m.checkpoint);
    EXPECT_EQ(back.architecture, m.architecture);
    EXPECT_EQ(back.inputs, m.inputs);
    EXPECT_EQ(back.classes, m.classes);
    EXPECT_EQ(back.params, m.params);
    EXPECT_EQ(back.spec, m.spec);
    EXPECT_EQ(back.precision, m.precision);
    EXPECT_EQ(back.sparsity, m.sparsity);
    EXPECT_EQ(back.calibration, m.calibration);
    EXPECT_EQ(back.test_accuracy, m.test_accuracy);
    EXPECT_EQ(back.test_images, m.test_images);
    EXPECT_EQ(back.dataset, m.dataset);
    EXPECT_EQ(back.input_shape, m.input_shape);
    EXPECT_EQ(back.pixel_mean, m.pixel_mean);
    EXPECT_EQ(back.pixel_std, m.pixel_std);
    EXPECT_EQ(back.output_shape, m.output_shape);
    EXPECT_EQ(back.labels, m.labels);
    EXPECT_EQ(back.payload_bytes, m.payload_bytes);
    ASSERT_EQ(back.blobs.size(), 1u);
    EXPECT_EQ(back.blobs[0].name, "int8_model");
    EXPECT_EQ(back.blobs[0].dtype, "sqint8");
    EXPECT_EQ(back.blobs[0].shape, std::vector<std::int64_t>{100});
    EXPECT_EQ(back.blobs[0].offset, 0u);
    EXPECT_EQ(back.blobs[0].bytes, 100u);
    EXPECT_EQ(back.blobs[0].sha256, std::string(64, 'a'));
    // Everything the JSON holds is read back: the re-serialized manifest is identical.
    EXPECT_EQ(to_json(back), to_json(m));
}

TEST(Bundle, Sha256KnownAnswer) {
    EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

class ExportFromCheckpoint : public ::testing::Test {
protected:
    void SetUp() override {
        SPARQ_REQUIRE_FASHION_MNIST();
    }
    TempDir dir;
};

TEST_F(ExportFromCheckpoint, OnnxEveryArchitectureVerifiedAndWrittenSafely) {
    for (const std::string arch : {"mlp", "cnn", "gated-mlp"}) {
        const auto out = dir.file(arch + "/model.onnx");
        std::vector<std::string> said;
        const ExportResult r = export_model(spec_for(make_checkpoint(dir, arch), "onnx", out), &said);
        EXPECT_EQ(r.path, out);
        ASSERT_TRUE(fs::exists(out));
        EXPECT_EQ(r.bytes, std::int64_t(fs::file_size(out)));
        EXPECT_EQ(r.samples, 300);
        EXPECT_LE(r.max_abs_diff, 1e-4) << arch;
        EXPECT_EQ(r.argmax_agreement, 1.0) << arch;
        EXPECT_EQ(r.test_accuracy, r.engine_test_accuracy) << arch;
        EXPECT_EQ(r.opset, 13);
        EXPECT_EQ(r.architecture, arch);
        EXPECT_TRUE(leftovers(dir.path()).empty());
        EXPECT_FALSE(said.empty());  // "not registered in a history"
        const auto m = load_checked(out);
        const auto meta = metadata(m);
        EXPECT_EQ(meta.at("sparq.architecture"), arch);
        EXPECT_EQ(meta.at("sparq.precision"), "fp32");
        EXPECT_EQ(meta.at("sparq.version"), SPARQ_VERSION);
        EXPECT_EQ(meta.count("sparq.sparsity"), arch == "gated-mlp" ? 1u : 0u);
        const auto j = nlohmann::json::parse(to_json(r));
        for (const char* key : {"path", "bytes", "max_abs_diff", "argmax_agreement", "test_accuracy"})
            EXPECT_TRUE(j.contains(key)) << key;
    }
}

TEST_F(ExportFromCheckpoint, Int8QuantizesFirstAndAgreesWithTheEngine) {
    for (const std::string arch : {"mlp", "cnn", "gated-mlp"}) {
        auto spec = spec_for(make_checkpoint(dir, arch), "onnx", dir.file(arch + "-int8.onnx"));
        spec.precision = "int8";
        const ExportResult r = export_model(spec);
        EXPECT_TRUE(r.quantized_now);
        EXPECT_TRUE(fs::exists(r.int8_model)) << r.int8_model;
        ASSERT_FALSE(r.messages.empty());
        EXPECT_NE(r.messages[0].find("post-training quantization"), std::string::npos) << r.messages[0];
        EXPECT_GE(r.argmax_agreement, 0.995) << arch;
        const auto meta = metadata(load_checked(r.path));
        EXPECT_EQ(meta.at("sparq.precision"), "int8");
        EXPECT_EQ(nlohmann::json::parse(meta.at("sparq.calibration"))["method"], "ptq");
        // The graph is in QDQ form with per-channel weight scales.
        int q = 0, dq_axis0 = 0;
        const auto model = load_checked(r.path);
        for (const auto& n : model.graph().node()) {
            if (n.op_type() == "QuantizeLinear") ++q;
            if (n.op_type() == "DequantizeLinear")
                for (const auto& a : n.attribute())
                    if (a.name() == "axis" && a.i() == 0) ++dq_axis0;
        }
        EXPECT_GE(q, 3) << arch;
        EXPECT_GE(dq_axis0, 3) << arch;
    }
}

TEST_F(ExportFromCheckpoint, TritonRepositoryLayoutAndConfig) {
    auto spec = spec_for(make_checkpoint(dir, "cnn"), "triton", dir.file("repo"));
    spec.triton.model_name = "fashion_cnn";
    spec.triton.preferred_batch_sizes = {64, 8};
    spec.triton.max_queue_delay_us = 250;
    spec.triton.max_batch_size = 128;
    const ExportResult r = export_model(spec);
    const fs::path model_dir = dir.file("repo/fashion_cnn");
    EXPECT_EQ(r.path, model_dir.string());
    ASSERT_TRUE(fs::exists(model_dir / "1" / "model.onnx"));
    ASSERT_TRUE(fs::exists(model_dir / "labels.txt"));
    const std::string config = read_all((model_dir / "config.pbtxt").string());
    for (const char* want : {"name: \"fashion_cnn\"", "platform: \"onnxruntime_onnx\"", "max_batch_size: 128",
                             "name: \"pixels\"", "dims: [ 1, 28, 28 ]", "name: \"logits\"", "dims: [ 10 ]",
                             "dynamic_batching {", "preferred_batch_size: [ 8, 64 ]",
                             "max_queue_delay_microseconds: 250", "kind: KIND_CPU"})
        EXPECT_NE(config.find(want), std::string::npos) << want << "\n" << config;
    EXPECT_EQ(r.files.size(), 3u);
    EXPECT_LE(r.max_abs_diff, 1e-4);
    // Exporting again replaces the model folder and leaves nothing else behind.
    spec.triton.max_queue_delay_us = 100;
    export_model(spec);
    EXPECT_NE(read_all((model_dir / "config.pbtxt").string()).find("max_queue_delay_microseconds: 100"), std::string::npos);
    std::vector<std::string> entries;
    for (const auto& e : fs::directory_iterator(dir.file("repo"))) entries.push_back(e.path().filename().string());
    EXPECT_EQ(entries, std::vector<std::string>{"fashion_cnn"});
    // Bad settings are refused before anything is written.
    spec.triton.preferred_batch_sizes = {512};
    EXPECT_THROW(export_model(spec), ConfigError);
    spec.triton.preferred_batch_sizes = {};
    spec.triton.model_name = "../escape";
    EXPECT_THROW(export_model(spec), ConfigError);
}

TEST_F(ExportFromCheckpoint, BundleRoundTripAndInference) {
    for (const std::string precision : {"fp32", "int8"}) {
        auto spec = spec_for(make_checkpoint(dir, "gated-mlp"), "bundle", dir.file("model-" + precision + ".sqb"));
        spec.precision = precision;
        const ExportResult r = export_model(spec);
        EXPECT_EQ(r.max_abs_diff, 0.0) << precision;  // the same engine runs both
        const LoadedBundle b = load_bundle(r.path);
        EXPECT_EQ(b.manifest.precision, precision);
        EXPECT_EQ(b.manifest.architecture, "gated-mlp");
        EXPECT_EQ(b.manifest.test_images, 300);
        EXPECT_EQ(b.manifest.test_accuracy, r.engine_test_accuracy);
        EXPECT_EQ(b.manifest.sparsity.size(), 2u);
        EXPECT_EQ(b.manifest.calibration.is_null(), precision == "fp32");
        EXPECT_EQ(b.manifest.sparq_version, SPARQ_VERSION);
        EXPECT_EQ(b.manifest.run_id, 0);
        EXPECT_EQ(b.manifest.checkpoint, spec.checkpoint);
        // The loaded bundle computes what was verified, on other images too.
        const auto px = torch::rand({7, 784});
        EXPECT_EQ(bundle_logits(b, px).sizes(), (std::vector<std::int64_t>{7, 10}));
    }
}

TEST(Bundle, LoaderRejectsDamagedForeignAndNewerFiles) {
    SPARQ_REQUIRE_FASHION_MNIST();
    TempDir dir;
    const ExportResult r = export_model(spec_for(make_checkpoint(dir, "mlp"), "bundle", dir.file("b.sqb")));
    const std::string good = read_all(r.path);
    auto rejects = [&](const std::string& bytes, const std::string& needle) {
        const std::string path = dir.file("bad.sqb");
        write_all(path, bytes);
        try {
            load_bundle(path);
            ADD_FAILURE() << "accepted a bundle that should fail with '" << needle << "'";
        } catch (const FormatError& e) {
            EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
        }
    };
    ASSERT_NO_THROW(load_bundle(r.path));
    rejects(good.substr(0, good.size() / 2), "checksum");                  // truncated
    std::string flipped = good;
    flipped[flipped.size() / 2] ^= 0x10;
    rejects(flipped, "checksum");                                          // one bit
    rejects(with_crc(flipped), "SHA-256");                                 // ... with a fixed-up CRC
    std::string newer = good;
    put_u32(newer, 8, 2);
    rejects(with_crc(newer), "newer Sparq");
    rejects(read_all(dir.file("mlp.pt")), "no Sparq bundle magic");        // a checkpoint
    rejects(std::string(3, 'x'), "no Sparq bundle magic");
    // A Sparq INT8 model file is named as such.
    rejects(std::string("SQINT8\r\n") + std::string(40, '\0'), "INT8 model file");
    // A manifest that lies about a blob's shape (re-encoded consistently).
    const auto mlen = std::uint32_t(std::uint8_t(good[12])) | std::uint32_t(std::uint8_t(good[13])) << 8 |
                      std::uint32_t(std::uint8_t(good[14])) << 16 | std::uint32_t(std::uint8_t(good[15])) << 24;
    auto j = nlohmann::json::parse(good.substr(16, mlen));
    j["blobs"][0]["shape"] = {1, 2};
    std::string manifest = j.dump(1);
    std::string lying = good.substr(0, 12);
    lying.append(4, '\0');
    put_u32(lying, 12, std::uint32_t(manifest.size()));
    lying += manifest + good.substr(16 + mlen);
    rejects(with_crc(lying), "fc0.weight");
    // A manifest missing a key.
    j = nlohmann::json::parse(good.substr(16, mlen));
    j.erase("precision");
    manifest = j.dump();
    std::string missing = good.substr(0, 16);
    put_u32(missing, 12, std::uint32_t(manifest.size()));
    missing += manifest + good.substr(16 + mlen);
    rejects(with_crc(missing), "manifest is incomplete");
    EXPECT_THROW(load_bundle(dir.file("does-not-exist.sqb")), DataError);
}

TEST(Bundle, InferReadsIdxAndRawFloat32) {
    SPARQ_REQUIRE_FASHION_MNIST();
    TempDir dir;
    const ExportResult r = export_model(spec_for(make_checkpoint(dir, "cnn"), "bundle", dir.file("c.sqb")));
    // IDX (gzip) with labels: the whole test set.
    const auto idx = infer_bundle(r.path, sparq::test::fashion_mnist_dir() + "/t10k-images-idx3-ubyte.gz", sparq::test::fashion_mnist_dir() + "/t10k-labels-idx1-ubyte.gz");
    EXPECT_EQ(idx.images, 10000);
    EXPECT_EQ(idx.predictions.size(), 10000u);
    EXPECT_EQ(idx.logits.size(), 100000u);
    EXPECT_GE(idx.accuracy, 0.0);
    // Raw float32 of the first 300 images gives the same logits for them.
    std::vector<float> px(300 * 784);
    const auto split_logits = std::vector<float>(idx.logits.begin(), idx.logits.begin() + 3000);
    // Build the raw file from the IDX pixels.
    {
        gzFile gz = gzopen((sparq::test::fashion_mnist_dir() + "/t10k-images-idx3-ubyte.gz").c_str(), "rb");
        std::vector<unsigned char> header(16), bytes(300 * 784);
        gzread(gz, header.data(), 16);
        gzread(gz, bytes.data(), unsigned(bytes.size()));
        gzclose(gz);
        for (std::size_t i = 0; i < px.size(); ++i) px[i] = float(bytes[i]) / 255.0f;
    }
    write_all(dir.file("x.f32"), std::string(reinterpret_cast<const char*>(px.data()), px.size() * sizeof(float)));
    const auto raw = infer_bundle(r.path, dir.file("x.f32"));
    EXPECT_EQ(raw.images, 300);
    ASSERT_EQ(raw.logits.size(), split_logits.size());
    for (std::size_t i = 0; i < split_logits.size(); ++i)  // other batch sizes: other conv algorithms
        ASSERT_NEAR(raw.logits[i], split_logits[i], 1e-5) << i;
    EXPECT_EQ(raw.accuracy, -1);
    // Files that are neither are refused with what to do.
    write_all(dir.file("odd.f32"), std::string(100, '\0'));
    EXPECT_THROW(infer_bundle(r.path, dir.file("odd.f32")), DataError);
    px[0] = 255.f;
    write_all(dir.file("unscaled.f32"), std::string(reinterpret_cast<const char*>(px.data()), px.size() * sizeof(float)));
    try {
        infer_bundle(r.path, dir.file("unscaled.f32"));
        ADD_FAILURE();
    } catch (const DataError& e) {
        EXPECT_NE(std::string(e.what()).find("1/255"), std::string::npos) << e.what();
    }
    EXPECT_THROW(infer_bundle(r.path, sparq::test::fashion_mnist_dir() + "/t10k-images-idx3-ubyte.gz", sparq::test::fashion_mnist_dir() + "/train-labels-idx1-ubyte.gz"),
                 DataError);  // 60000 labels for 10000 images
}

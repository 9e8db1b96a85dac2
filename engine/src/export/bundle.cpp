#include "export/bundle.h"

#include <openssl/evp.h>
#include <zlib.h>

#include <cstring>
#include <ctime>
#include <fstream>
#include <map>

#include "data/fashion_mnist.h"
#include "export/source.h"
#include "export/verify.h"
#include "quant/qformat.h"
#include "common/file_bytes.h"
#include "sparq/engine/errors.h"

namespace sparq::engine::exporter {

using nlohmann::json;

namespace {

constexpr char kMagic[8] = {'S', 'Q', 'B', 'N', 'D', 'L', '\r', '\n'};
constexpr std::size_t kFixed = 16;                           // magic, version, manifest length
constexpr std::uint64_t kMaxFile = std::uint64_t(1) << 31;  // 2 GiB
constexpr std::uint64_t kAlign = 64;                         // blobs start on 64-byte boundaries

using file_bytes::crc_of;
using file_bytes::get_u32;
using file_bytes::put_u32;

std::string now_utc() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

const char* dtype_name(torch::ScalarType t) {
    if (t == torch::kFloat32) return "float32";
    if (t == torch::kInt64) return "int64";
    throw ConfigError(std::string("bundle: no blob type for ") + c10::toString(t));
}

[[noreturn]] void invalid(const std::string& what, const std::string& msg) {
    throw FormatError(what + ": " + msg + " (not a valid Sparq bundle)");
}

std::string shape_str(const std::vector<std::int64_t>& s) {
    std::string out = "[";
    for (std::size_t i = 0; i < s.size(); ++i) out += (i ? "," : "") + std::to_string(s[i]);
    return out + "]";
}

}  // namespace

std::string sha256_hex(const std::string& bytes) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr) != 1)
        throw DataError("SHA-256 failed (OpenSSL)");
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < len; ++i) {
        out.push_back(hex[md[i] >> 4]);
        out.push_back(hex[md[i] & 15]);
    }
    return out;
}

json to_json(const BundleManifest& m) {
    json blobs = json::array();
    for (const auto& b : m.blobs)
        blobs.push_back({{"name", b.name}, {"dtype", b.dtype}, {"shape", b.shape}, {"offset", b.offset},
                         {"bytes", b.bytes}, {"sha256", b.sha256}});
    return {{"format", "sparq-bundle"},
            {"format_version", m.format_version},
            {"sparq_version", m.sparq_version},
            {"created", m.created},
            {"run", {{"id", m.run_id}, {"name", m.run_name}, {"preset", m.preset}, {"checkpoint", m.checkpoint}}},
            {"architecture",
             {{"model", m.architecture}, {"inputs", m.inputs}, {"classes", m.classes}, {"params", m.params}, {"spec", m.spec}}},
            {"precision", m.precision},
            {"sparsity", m.sparsity},
            {"calibration", m.calibration},
            {"accuracy", {{"test_accuracy", m.test_accuracy}, {"test_images", m.test_images}, {"dataset", m.dataset}}},
            {"input",
             {{"name", "pixels"},
              {"dtype", "float32"},
              {"shape", m.input_shape},
              {"range", {0, 1}},
              {"normalisation", {{"mean", m.pixel_mean}, {"std", m.pixel_std}, {"formula", "(x - mean) / std"}}}}},
            {"output", {{"name", "logits"}, {"dtype", "float32"}, {"shape", m.output_shape}, {"labels", m.labels}}},
            {"payload_bytes", m.payload_bytes},
            {"blobs", blobs}};
}

BundleManifest manifest_from_json(const json& j, const std::string& what) {
    BundleManifest m;
    try {
        if (j.at("format").get<std::string>() != "sparq-bundle")
            throw FormatError(what + ": the manifest's format is not sparq-bundle");
        m.format_version = j.at("format_version").get<std::uint32_t>();
        m.sparq_version = j.at("sparq_version").get<std::string>();
        m.created = j.at("created").get<std::string>();
        const json& run = j.at("run");
        m.run_id = run.at("id").get<std::int64_t>();
        m.run_name = run.at("name").get<std::string>();
        m.preset = run.at("preset").get<std::string>();
        m.checkpoint = run.at("checkpoint").get<std::string>();
        const json& arch = j.at("architecture");
        m.architecture = arch.at("model").get<std::string>();
        m.inputs = arch.at("inputs").get<std::int64_t>();
        m.classes = arch.at("classes").get<std::int64_t>();
        m.params = arch.at("params").get<std::int64_t>();
        m.spec = arch.at("spec");
        m.precision = j.at("precision").get<std::string>();
        m.sparsity = j.at("sparsity");
        m.calibration = j.at("calibration");
        const json& acc = j.at("accuracy");
        m.test_accuracy = acc.at("test_accuracy").get<double>();
        m.test_images = acc.at("test_images").get<std::int64_t>();
        m.dataset = acc.at("dataset").get<std::string>();
        const json& in = j.at("input");
        m.input_shape = in.at("shape").get<std::vector<std::int64_t>>();
        m.pixel_mean = in.at("normalisation").at("mean").get<float>();
        m.pixel_std = in.at("normalisation").at("std").get<float>();
        const json& out = j.at("output");
        m.output_shape = out.at("shape").get<std::vector<std::int64_t>>();
        m.labels = out.at("labels").get<std::vector<std::string>>();
        m.payload_bytes = j.at("payload_bytes").get<std::uint64_t>();
        for (const json& b : j.at("blobs"))
            m.blobs.push_back({b.at("name").get<std::string>(), b.at("dtype").get<std::string>(),
                               b.at("shape").get<std::vector<std::int64_t>>(), b.at("offset").get<std::uint64_t>(),
                               b.at("bytes").get<std::uint64_t>(), b.at("sha256").get<std::string>()});
    } catch (const json::exception& e) {
        throw FormatError(what + ": the manifest is incomplete: " + e.what());
    }
    return m;
}

BundleContent bundle_content(const ExportSource& src, const std::string& precision, double test_accuracy,
                             std::int64_t test_images) {
    BundleContent c;
    BundleManifest& m = c.manifest;
    m.sparq_version = SPARQ_VERSION;
    m.created = now_utc();
    m.run_id = src.run_id;
    m.run_name = src.run_name;
    m.preset = src.preset;
    m.checkpoint = src.checkpoint;
    m.architecture = src.spec.model;
    m.params = models::parameter_count(*src.model);
    m.spec = json::parse(to_json(src.spec));
    m.precision = precision;
    const bool int8 = precision == "int8";
    m.sparsity = src.spec.model == "gated-mlp" ? (int8 ? sparsity_of(src.int8) : sparsity_of(*src.model)) : json(nullptr);
    m.calibration = int8 ? src.calibration : json(nullptr);
    m.test_accuracy = test_accuracy;
    m.test_images = test_images;
    m.pixel_mean = data::kPixelMean;
    m.pixel_std = data::kPixelStd;
    m.labels = class_names();
    if (int8) {
        const json meta{{"run_id", src.run_id}, {"preset", src.preset}, {"calibration", src.calibration}};
        std::string bytes = quant::encode_int8_model(src.int8, meta);
        BlobInfo info;
        info.name = "int8_model";
        info.dtype = "sqint8";
        info.shape = {std::int64_t(bytes.size())};
        c.blobs.emplace_back(std::move(info), std::move(bytes));
        return c;
    }
    auto add = [&](const std::string& name, const torch::Tensor& t) {
        const auto v = t.detach().to(torch::kCPU).contiguous();
        BlobInfo info;
        info.name = name;
        info.dtype = dtype_name(v.scalar_type());
        info.shape = v.sizes().vec();
        c.blobs.emplace_back(std::move(info), std::string(static_cast<const char*>(v.data_ptr()), v.nbytes()));
    };
    for (const auto& p : src.model->named_parameters()) add(p.key(), p.value());
    for (const auto& b : src.model->named_buffers()) add(b.key(), b.value());
    return c;
}

std::string encode_bundle(BundleContent content) {
    BundleManifest& m = content.manifest;
    m.format_version = kBundleFormatVersion;
    m.blobs.clear();
    std::string payload;
    for (auto& [info, bytes] : content.blobs) {
        payload.resize((payload.size() + kAlign - 1) / kAlign * kAlign, '\0');
        info.offset = payload.size();
        info.bytes = bytes.size();
        info.sha256 = sha256_hex(bytes);
        payload += bytes;
        m.blobs.push_back(info);
    }
    m.payload_bytes = payload.size();
    const std::string manifest = to_json(m).dump(1);
    std::string file(kMagic, sizeof kMagic);
    put_u32(file, kBundleFormatVersion);
    put_u32(file, std::uint32_t(manifest.size()));
    file += manifest;
    file += payload;
    put_u32(file, crc_of(file.data(), file.size()));
    return file;
}

LoadedBundle load_bundle(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) throw DataError(path + ": cannot open the bundle");
    const auto size = std::uint64_t(in.tellg());
    if (size > kMaxFile) throw FormatError(path + ": " + std::to_string(size) + " bytes is too large for a Sparq bundle");
    std::string file(size, '\0');
    in.seekg(0);
    in.read(file.data(), std::streamsize(size));
    if (!in) throw DataError(path + ": cannot read the bundle");
    return parse_bundle(file, path);
}

LoadedBundle parse_bundle(const std::string& file, const std::string& what) {
    auto fail = [&](const std::string& msg) { invalid(what, msg); };
    const std::uint64_t size = file.size();
    if (size >= 8 && std::memcmp(file.data(), "SQINT8\r\n", 8) == 0)
        throw FormatError(what + " is a Sparq INT8 model file, not a bundle; make a bundle with "
                          "sparq-cli export --format bundle");
    if (size < kFixed + 4 || std::memcmp(file.data(), kMagic, sizeof kMagic) != 0)
        fail("no Sparq bundle magic at the start");
    const std::uint32_t version = get_u32(file, 8);
    if (version == 0 || version > kBundleFormatVersion)
        throw FormatError(what + ": bundle format version " + std::to_string(version) + "; this build of Sparq reads version " +
                          std::to_string(kBundleFormatVersion) +
                          (version > kBundleFormatVersion ? " (the bundle was written by a newer Sparq: update Sparq)" : ""));
    if (get_u32(file, size - 4) != crc_of(file.data(), size - 4)) fail("checksum mismatch, the file is damaged or truncated");
    const std::uint64_t mlen = get_u32(file, 12);
    if (mlen > size - kFixed - 4) fail("manifest length runs past the end of the file");
    const json j = json::parse(file.begin() + kFixed, file.begin() + std::ptrdiff_t(kFixed + mlen), nullptr, false);
    if (!j.is_object()) fail("the manifest is not JSON");
    LoadedBundle b;
    b.manifest = manifest_from_json(j, what);
    const BundleManifest& m = b.manifest;
    if (m.format_version != version) fail("the manifest's format version differs from the header's");
    const std::string payload = file.substr(kFixed + mlen, size - 4 - kFixed - mlen);
    if (m.payload_bytes != payload.size()) fail("payload size does not match the manifest");
    std::map<std::string, std::string> blobs;
    for (const auto& bi : m.blobs) {
        if (bi.offset > payload.size() || bi.bytes > payload.size() - bi.offset) fail("blob " + bi.name + " lies outside the payload");
        std::string bytes = payload.substr(bi.offset, bi.bytes);
        if (sha256_hex(bytes) != bi.sha256) fail("blob " + bi.name + ": SHA-256 does not match the manifest");
        if (!blobs.emplace(bi.name, std::move(bytes)).second) fail("blob " + bi.name + " appears twice");
    }
    if (m.precision != "fp32" && m.precision != "int8") fail("unknown precision '" + m.precision + "'");
    if (m.inputs != 784 || m.classes != 10 || m.pixel_std <= 0 || m.labels.size() != std::size_t(m.classes))
        fail("input, classes or normalisation are not those of a Fashion-MNIST classifier");

    if (m.precision == "int8") {
        if (blobs.size() != 1 || !blobs.count("int8_model")) fail("an INT8 bundle holds exactly one blob, int8_model");
        b.int8 = quant::parse_int8_model(blobs["int8_model"], what + " (int8_model)");
        if (b.int8.arch != m.architecture) fail("its INT8 model is a " + b.int8.arch + ", the manifest says " + m.architecture);
        return b;
    }
    TrainSpec spec;
    try {
        spec = train_spec_from_json(m.spec.dump(), what + " manifest");
        validate(spec);
    } catch (const ConfigError& e) {
        fail(std::string("architecture: ") + e.what());
    }
    if (spec.model != m.architecture) fail("the architecture's spec describes a " + spec.model);
    b.model = models::make_model(spec);
    torch::NoGradGuard no_grad;
    std::size_t used = 0;
    auto fill = [&](const std::string& name, torch::Tensor& t) {
        const auto it = blobs.find(name);
        if (it == blobs.end()) fail("no blob for " + name);
        const BlobInfo* info = &m.blobs.front();
        for (const auto& bi : m.blobs)
            if (bi.name == name) info = &bi;
        if (info->dtype != dtype_name(t.scalar_type()) || info->shape != t.sizes().vec())
            fail("blob " + name + " is " + info->dtype + " " + shape_str(info->shape) + ", the model needs " +
                 dtype_name(t.scalar_type()) + " " + shape_str(t.sizes().vec()));
        if (it->second.size() != t.nbytes()) fail("blob " + name + " has the wrong size");
        std::memcpy(t.data_ptr(), it->second.data(), t.nbytes());
        ++used;
    };
    for (auto& p : b.model->named_parameters()) fill(p.key(), p.value());
    for (auto& buf : b.model->named_buffers()) fill(buf.key(), buf.value());
    if (used != blobs.size()) fail("it holds blobs the " + m.architecture + " model does not have");
    auto gated = b.model->gated_layers();
    if (!gated.empty()) {
        if (!m.sparsity.is_array() || m.sparsity.size() != gated.size()) fail("sparsity does not list every gated layer");
        for (std::size_t i = 0; i < gated.size(); ++i) {
            const json& s = m.sparsity[i];
            kernels::GatePolicy p;
            try {
                p.mode = s.at("mode").get<std::string>() == "threshold" ? kernels::GateMode::Threshold : kernels::GateMode::TopK;
                p.k_groups = s.at("k_groups").get<std::int32_t>();
                p.k_blocks = s.at("k_blocks").get<std::int32_t>();
                p.threshold = s.at("threshold").get<float>();
            } catch (const json::exception& e) {
                fail(std::string("sparsity: ") + e.what());
            }
            const auto& shape = gated[i]->shape();
            if (p.k_groups < 1 || p.k_groups > shape.groups || p.k_blocks < 1 || p.k_blocks > shape.blocks_per_group())
                fail("sparsity of gated layer " + std::to_string(i) + " keeps more blocks than it has");
            gated[i]->set_policy(p);
        }
    }
    b.model->eval();
    return b;
}

torch::Tensor bundle_logits(const LoadedBundle& b, const torch::Tensor& pixels) {
    const float mean = b.manifest.pixel_mean, std = b.manifest.pixel_std;
    torch::NoGradGuard no_grad;
    return chunked(
        [&](const torch::Tensor& px) {
            const auto x = px.sub(mean).div_(std).contiguous();
            if (b.model) return b.model->forward(x);
            auto out = torch::empty({x.size(0), b.int8.classes}, torch::kFloat32);
            b.int8.forward(x.data_ptr<float>(), x.size(0), out.data_ptr<float>());
            return out;
        },
        pixels);
}

}  // namespace sparq::engine::exporter

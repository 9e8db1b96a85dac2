// sparq-cli infer: a bundle run on a file of images.
#include <ATen/Parallel.h>
#include <torch/types.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "data/idx.h"
#include "export/bundle.h"
#include "sparq/engine/errors.h"
#include "sparq/engine/export.h"

namespace sparq::engine {

namespace {

constexpr std::int64_t kPixels = 28 * 28;

bool is_idx_or_gzip(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    unsigned char m[4] = {0, 0, 0, 0};
    in.read(reinterpret_cast<char*>(m), 4);
    if (in.gcount() >= 2 && m[0] == 0x1f && m[1] == 0x8b) return true;  // gzip
    return in.gcount() == 4 && m[0] == 0 && m[1] == 0 && m[2] == 0x08;  // IDX of unsigned bytes
}

torch::Tensor read_pixels(const std::string& path) {
    if (!std::filesystem::exists(path)) throw DataError(path + ": no such input file");
    if (is_idx_or_gzip(path)) {
        data::IdxArray a = data::read_idx(path, 3);
        if (a.dims[1] != 28 || a.dims[2] != 28)
            throw DataError(path + ": images are " + std::to_string(a.dims[1]) + "x" + std::to_string(a.dims[2]) +
                            "; the model takes 28x28");
        const std::int64_t n = a.dims[0];
        return torch::from_blob(a.data.data(), {n, kPixels}, torch::kUInt8).to(torch::kFloat32).div_(255.0f);
    }
    const auto size = std::int64_t(std::filesystem::file_size(path));
    const std::int64_t row = kPixels * std::int64_t(sizeof(float));
    if (size == 0 || size % row != 0)
        throw DataError(path + ": neither an IDX image file nor raw float32 pixels (N x 784 x 4 bytes); it has " +
                        std::to_string(size) + " bytes, not a multiple of " + std::to_string(row));
    auto px = torch::empty({size / row, kPixels}, torch::kFloat32);
    std::ifstream in(path, std::ios::binary);
    in.read(static_cast<char*>(px.data_ptr()), std::streamsize(size));
    if (!in) throw DataError(path + ": cannot read the input file");
    if (!torch::isfinite(px).all().item<bool>()) throw DataError(path + ": holds NaN or infinite pixel values");
    const double lo = px.min().item<double>(), hi = px.max().item<double>();
    if (lo < 0 || hi > 1)
        throw DataError(path + ": raw float32 pixels must lie in [0, 1], found [" + std::to_string(lo) + ", " +
                        std::to_string(hi) + "] (scale 0-255 images by 1/255)");
    return px;
}

torch::Tensor read_labels(const std::string& path, std::int64_t n, std::int64_t classes) {
    data::IdxArray a = data::read_idx(path, 1);
    if (std::int64_t(a.dims[0]) != n)
        throw DataError(path + ": " + std::to_string(a.dims[0]) + " labels for " + std::to_string(n) + " images");
    for (const auto v : a.data)
        if (v >= classes) throw DataError(path + ": label " + std::to_string(v) + " is not below " + std::to_string(classes));
    return torch::from_blob(a.data.data(), {n}, torch::kUInt8).to(torch::kInt64);
}

}  // namespace

BundleInference infer_bundle(const std::string& bundle, const std::string& input, const std::string& labels,
                             int threads) {
    if (threads < 1 || threads > 256) throw ConfigError("infer: threads must be in [1, 256]");
    at::set_num_threads(threads);
    const exporter::LoadedBundle b = exporter::load_bundle(bundle);
    const auto px = read_pixels(input);
    BundleInference r;
    r.bundle = bundle;
    r.manifest_json = exporter::to_json(b.manifest).dump();
    r.architecture = b.manifest.architecture;
    r.precision = b.manifest.precision;
    r.images = px.size(0);
    r.classes = int(b.manifest.classes);
    const auto logits = exporter::bundle_logits(b, px).contiguous();
    r.logits.assign(logits.data_ptr<float>(), logits.data_ptr<float>() + logits.numel());
    const auto pred = logits.argmax(1).to(torch::kInt32).contiguous();
    r.predictions.assign(pred.data_ptr<std::int32_t>(), pred.data_ptr<std::int32_t>() + pred.numel());
    if (!labels.empty()) {
        const auto y = read_labels(labels, r.images, r.classes);
        r.accuracy = logits.argmax(1).eq(y).to(torch::kFloat64).mean().item<double>();
    }
    return r;
}

}  // namespace sparq::engine

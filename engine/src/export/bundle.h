#pragma once
// The Sparq bundle (".sqb"): one file holding a model and everything needed to run it with
// Sparq's own engine (`sparq-cli infer --bundle`). Format version 1, little-endian:
//
//   offset 0        8 bytes  magic "SQBNDL\r\n" (the CR LF catches text-mode mangling)
//   offset 8        u32      format version (1)
//   offset 12       u32      manifest length M
//   offset 16       M bytes  manifest: UTF-8 JSON (below)
//   offset 16 + M   P bytes  payload: the blobs the manifest lists, raw
//   last 4 bytes    u32      CRC-32 (zlib polynomial) of every byte before it
//
// Manifest keys: format ("sparq-bundle"), format_version, sparq_version, created (UTC ISO
// 8601), run {id, name, preset, checkpoint}, architecture {model, inputs, classes, params,
// spec (the training job's fields: widths, channels, gated settings)}, precision (fp32 |
// int8), sparsity (null, or per gated layer: in, out, blocks, groups, mode, k_groups,
// k_blocks, threshold, kept_fraction), calibration (null, or for int8: method, observer,
// images, images_from, input_scale, input_zero, quantize_run, int8_model), accuracy
// {test_accuracy, test_images, dataset}, input {name, dtype, shape, range, normalisation
// {mean, std, formula}}, output {name, dtype, shape, labels}, payload_bytes, blobs [{name,
// dtype, shape, offset, bytes, sha256}].
//
// FP32 bundles hold every parameter and buffer of the model as a blob named like the
// module's own (e.g. "fc0.weight"); INT8 bundles hold one blob "int8_model" of dtype
// "sqint8", the engine's INT8 model file (quant/qformat.h). The loader rejects a wrong magic,
// a newer or unknown version, a checksum mismatch (whole file, then each blob's SHA-256),
// and a manifest whose shapes or ranges do not fit, each with a message naming the file.
#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/models.h"
#include "quant/qmodel.h"

namespace sparq::engine::exporter {

struct ExportSource;

inline constexpr std::uint32_t kBundleFormatVersion = 1;

struct BlobInfo {
    std::string name;
    std::string dtype;                // float32 | int64 | sqint8
    std::vector<std::int64_t> shape;  // sqint8: [bytes]
    std::uint64_t offset = 0, bytes = 0;
    std::string sha256;               // lowercase hex
};

/// Every manifest field (see the top of this file).
struct BundleManifest {
    std::uint32_t format_version = kBundleFormatVersion;
    std::string sparq_version, created;
    std::int64_t run_id = 0;
    std::string run_name, preset, checkpoint;
    std::string architecture;              // mlp | cnn | gated-mlp
    std::int64_t inputs = 784, classes = 10, params = 0;
    nlohmann::json spec = nlohmann::json::object();  // the training job's fields
    std::string precision;                 // fp32 | int8
    nlohmann::json sparsity = nullptr;
    nlohmann::json calibration = nullptr;
    double test_accuracy = 0;
    std::int64_t test_images = 0;
    std::string dataset = "fashion-mnist t10k";
    std::vector<std::int64_t> input_shape{-1, 784};
    float pixel_mean = 0, pixel_std = 1;
    std::vector<std::int64_t> output_shape{-1, 10};
    std::vector<std::string> labels;
    std::uint64_t payload_bytes = 0;
    std::vector<BlobInfo> blobs;
};
nlohmann::json to_json(const BundleManifest& m);
/// Throws FormatError naming `what` for a missing or mistyped key.
BundleManifest manifest_from_json(const nlohmann::json& j, const std::string& what);

/// A manifest (blobs filled in by encode_bundle) and the blobs' bytes.
struct BundleContent {
    BundleManifest manifest;
    std::vector<std::pair<BlobInfo, std::string>> blobs;  // info (name, dtype, shape) and bytes
};
/// What an export of `src` at `precision` puts in a bundle.
BundleContent bundle_content(const ExportSource& src, const std::string& precision, double test_accuracy,
                             std::int64_t test_images);
/// The bundle file's bytes (offsets, sizes and checksums filled in).
std::string encode_bundle(BundleContent content);

struct LoadedBundle {
    BundleManifest manifest;
    std::shared_ptr<models::ClassifierImpl> model;  // fp32, eval mode
    quant::QuantModel int8;                          // int8
};
/// Reads and checks a bundle file; throws DataError (unreadable) or FormatError.
LoadedBundle load_bundle(const std::string& path);
/// The same for bytes in memory; `what` names them in messages.
LoadedBundle parse_bundle(const std::string& file, const std::string& what);

/// Logits for pixels [n, 784] in [0, 1], normalised as the manifest says.
torch::Tensor bundle_logits(const LoadedBundle& b, const torch::Tensor& pixels);

/// SHA-256 of bytes, lowercase hex.
std::string sha256_hex(const std::string& bytes);

}  // namespace sparq::engine::exporter

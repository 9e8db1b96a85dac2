#pragma once
// Exporting a run's model for deployment (issue 9): an ONNX file (FP32, or INT8 in QDQ form;
// gated sparse layers in standard operators), a Sparq bundle (one file: JSON manifest +
// weights, run by `sparq-cli infer`), or a Triton model repository (config.pbtxt with dynamic
// batching + 1/model.onnx). Every export is written under a temporary name, reloaded the way
// its consumer would load it (ONNX: protobuf, the ONNX checker, strict shape inference and
// Sparq's reference interpreter; bundle: Sparq's own loader), compared with the engine on the
// test set, and renamed into place only when it matches; then registered as an artifact of
// its run with the verification stored as a run event. No torch types cross this header.
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sparq/engine/fields.h"

namespace sparq::engine {

/// An export whose reloaded file does not compute what the engine computes.
class VerificationError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Triton's config.pbtxt settings. Unset values (empty list, negative delay) come from the
/// run's serving benchmark when its summary has one ("serving": {"preferred_batch_sizes":
/// [...], "max_queue_delay_us": N}), else from the defaults noted here.
struct TritonSettings {
    std::string model_name;                  // model folder; empty = "sparq_<arch>_<precision>_run<id>"
    int max_batch_size = 256;
    std::vector<int> preferred_batch_sizes;  // default {16, 64}
    int max_queue_delay_us = -1;             // default 500
    int instances = 1;                       // instance_group count
    std::string device = "cpu";              // cpu | gpu (instance_group kind)
};

/// The defaults of the Triton settings a spec and the run leave unset.
std::vector<int> triton_default_preferred_batch_sizes();  // {16, 64}
int triton_default_max_queue_delay_us();                   // 500
/// "sparq_<arch>_<precision>_run<id>" (every character of arch but letters and digits as _):
/// the Triton model folder an export names, and the stem of its default file names.
std::string export_stem(const std::string& arch, const std::string& precision, std::int64_t run_id);

struct ExportSpec {
    std::int64_t run_id = 0;         // the run whose model to export (from the engine's history)
    std::string checkpoint;          // instead of a run: a training checkpoint file
    std::string format = "onnx";     // onnx | bundle | triton
    std::string precision = "fp32";  // fp32 | int8 (a run without an INT8 model is quantized
                                     // first with the default post-training settings)
    std::string out;                 // ONNX file, bundle file, or Triton repository folder
    TritonSettings triton;
    std::string data_dir;            // Fashion-MNIST for verification; empty = the run's / default
    std::int64_t limit_test = 0;     // verify on the first N test images (0 = all)
    int threads = 2;
    std::string device = "auto";     // auto | cpu (the engine side of the verification)
};

/// Keys as the flags of `sparq-cli export` with - as _; the Triton settings too ("max_batch",
/// "preferred_batch", "max_queue_delay_us", "instances", "triton_device", "model_name").
SPARQ_DECLARE_SPEC_FIELDS(ExportSpec);

/// What an export wrote and how well the reloaded file matched the engine.
struct ExportResult {
    std::int64_t run_id = 0;
    std::string format, precision;
    std::string path;                 // the file, or the Triton model folder
    std::vector<std::string> files;   // every file written
    std::int64_t bytes = 0;           // all files together
    std::string architecture, preset;
    int opset = 0, ir_version = 0;    // ONNX formats
    // Verification, the reloaded export against the engine on the test images:
    std::int64_t samples = 0;
    double max_abs_diff = 0;          // largest |logit difference|
    double argmax_agreement = 0;      // share of images where both pick the same class
    double tolerance = 0;             // FP32: the largest difference allowed per image (1e-4;
                                      // gated: 1e-4 x the largest |logit|); 0 for INT8
    std::int64_t images_over_tolerance = 0;  // FP32: images above it (gated: routing ties, <= 0.1%)
    double test_accuracy = 0;         // of the exported model, through the reloaded file
    double engine_test_accuracy = 0;  // of the engine's model of the same precision
    bool quantized_now = false;       // int8: the run had no INT8 model, PTQ ran first
    std::string int8_model;           // int8: the engine model exported (.sqint8)
    std::string checkpoint;           // the float checkpoint behind the export
    std::vector<std::string> messages;  // what the user should know (e.g. quantized first)
    std::string device = "cpu";       // the device that ran the engine's side
    double wall_s = 0;
};
std::string to_json(const ExportResult& r);

// An export runs as a job (Engine::submit): the engine's history registers it as an artifact of
// the run ("export-onnx", "export-bundle", "export-triton") with an "export" event holding
// to_json(result); an INT8 model quantized on the way is registered as "int8-model". Its log
// lines are the messages as they happen. It fails with the message of a ConfigError /
// DataError / FormatError on bad input, or of a VerificationError when the reloaded export
// does not match the engine (nothing is left under the destination then). The bar: FP32 dense
// models within 1e-4 of the engine's logits on every image; FP32 gated models within 1e-4 x
// max(1, largest |logit|) on all but 0.1% of the images (inputs whose block scores tie to
// within rounding); INT8 the engine's INT8 class on at least 99% of the images.

/// A bundle run on images: `sparq-cli infer --bundle PATH --input FILE [--labels FILE]`.
struct BundleInference {
    std::string bundle;
    std::string manifest_json;        // the checked manifest (bundle.h lists its keys)
    std::string architecture, precision;
    std::int64_t images = 0;
    int classes = 10;
    std::vector<float> logits;        // [images][classes]
    std::vector<int> predictions;     // [images]
    double accuracy = -1;             // with labels; -1 without
};

/// Loads and checks the bundle (versions, checksums), reads the images and runs them through
/// Sparq's engine. `input` is either an IDX image file (the MNIST family's format: magic
/// 0x00000803, unsigned bytes [N, 28, 28], raw or gzip-compressed; pixels are divided by
/// 255) or a raw file of little-endian float32 pixels in [0, 1], N x 784 values, row-major
/// (what numpy's x.astype('<f4').tofile(path) writes). `labels`, when given, is an IDX label
/// file (magic 0x00000801) of N labels. Throws DataError / FormatError naming the file.
BundleInference infer_bundle(const std::string& bundle, const std::string& input, const std::string& labels = {},
                             int threads = 2);

/// Fashion-MNIST's class names, index = label.
const std::vector<std::string>& class_names();

}  // namespace sparq::engine

#pragma once
// Quantization jobs: post-training quantization (calibration only) or quantization-aware
// training (fake quantization with a straight-through estimator, then conversion), ending in
// a real INT8 model run by Sparq's kernels and a side-by-side with the float model.
#include <cstdint>
#include <string>
#include <vector>

#include "sparq/engine/fields.h"

namespace sparq::engine {

struct QuantizeSpec {
    std::string name;                 // run name; empty = "<preset> int8 <mode>"
    std::string preset = "mlp-fashion";  // float model to train first when no checkpoint
    std::string checkpoint;           // trained float model (a run's checkpoint.pt)
    std::string mode = "ptq";         // ptq | qat
    std::string observer = "minmax";  // minmax | ema | percentile | mse
    double percentile = 99.99;        // percentile observer
    int calibration_samples = 2000;   // held out from the end of the training set
    int qat_epochs = 1;
    int freeze_observers_after = 300; // QAT steps before the ranges stop moving
    double qat_lr = 1e-4;
    int batch_size = 128;
    int error_every = 50;             // QAT steps between per-layer error measurements
    double error_alert = 0.05;        // alert when a layer's relative error exceeds this
    int train_epochs = 0;             // float training when no checkpoint (0 = the preset's)
    int threads = 2;
    std::int64_t limit_train = 0;     // QAT / float training on the first N images (0 = all)
    std::int64_t limit_test = 0;      // evaluate on the first N test images (0 = all)
    std::string data_dir;
    std::string output;               // INT8 model file; empty = <run dir>/model.sqint8
    double bench_seconds = 1.0;       // timing per batch size and path
    std::uint64_t seed = 1;
    std::string device = "auto";     // auto | cpu (the INT8 kernels are CPU kernels)
};

SPARQ_DECLARE_SPEC_FIELDS(QuantizeSpec);

struct QuantLayerError {
    std::string name;
    std::string kind;   // linear | conv | gated
    double error = 0;   // ||y_int8 - y_fp32|| / ||y_fp32|| at the layer's output, validation batch
};

/// The summary of a quantization job (also the CLI's --json object).
struct QuantizeResult {
    std::int64_t run_id = 0;
    std::string status;                 // completed | failed | cancelled
    std::string error;
    std::string mode, observer, arch, preset;
    double fp32_accuracy = 0, int8_accuracy = 0, accuracy_retention = 0;
    double ptq_int8_accuracy = 0, ptq_accuracy_retention = 0;  // PTQ of the same float model
    double fp32_latency_ms_b1 = 0, int8_latency_ms_b1 = 0, speedup_b1 = 0;
    double fp32_latency_ms_b64 = 0, int8_latency_ms_b64 = 0, speedup_b64 = 0;
    std::int64_t fp32_size_bytes = 0, int8_size_bytes = 0;
    double size_ratio = 0;
    double max_layer_error = 0;
    std::vector<QuantLayerError> layers;
    int alerts = 0;                     // layers whose final error exceeded error_alert
    std::string int8_model;             // file written
    std::string float_checkpoint;       // the float model quantized
    std::string kernel;                 // avx2 | scalar
    std::string device = "cpu";         // the device that ran the job
    double wall_s = 0;
};
std::string to_json(const QuantizeResult& r);

/// Timing of the float LibTorch path against the INT8 kernels on a preset's architecture
/// with random weights (fixed shapes, no data needed): the CLI's `bench int8`.
struct Int8BenchOptions {
    std::string preset = "mlp-fashion";
    int threads = 2;
    double seconds = 1.0;
};
QuantizeResult bench_int8(const Int8BenchOptions& options);

}  // namespace sparq::engine

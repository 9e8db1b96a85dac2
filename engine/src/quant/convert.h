#pragma once
// From a float model to an INT8 one: calibration, conversion, and the observed error.
#include <torch/types.h>

#include <functional>
#include <string>
#include <vector>

#include "models/models.h"
#include "quant/observer.h"
#include "quant/qmodel.h"
#include "sparq/engine/quantize.h"

namespace sparq::engine::quant {

/// One observer per quantization point (see hooked.h), fed by calibration or by QAT.
struct Calibration {
    std::vector<Observer> points;
};

/// Runs the float model over `images` (normalised, [N, 784]) in batches of `batch` and lets
/// `kind` observers choose every point's range.
Calibration calibrate(models::ClassifierImpl& model, const torch::Tensor& images, ObserverKind kind,
                      int batch = 256, double percentile = 99.99);

/// The INT8 model for the float model's current weights and the points' ranges.
QuantModel convert(models::ClassifierImpl& model, const Calibration& calibration);

/// Relative error ||y_int8 - y_fp32|| / ||y_fp32|| at the output of every quantized compute
/// layer (pooling ops are skipped: they lose nothing), both models run on the same batch:
/// where along the network the INT8 model drifts from the float one.
struct LayerError {
    std::string name;
    std::string kind;
    double error = 0;
};
std::vector<LayerError> layer_errors(models::ClassifierImpl& model, const QuantModel& q,
                                     const torch::Tensor& images);

/// Latency of the float model's own forward (LibTorch) against the INT8 model at batch 1 and
/// 64 on the first images, the two alternated in one process (medians); fills the latency and
/// speedup fields of r.
void time_fp32_vs_int8(models::ClassifierImpl& model, const QuantModel& q, const torch::Tensor& images,
                       double seconds, QuantizeResult& r);

/// Accuracy of the INT8 model on (images, labels).
double int8_accuracy(const QuantModel& q, const torch::Tensor& images, const torch::Tensor& labels);

}  // namespace sparq::engine::quant

#pragma once
// Comparing an export, reloaded, with the engine on the Fashion-MNIST test images.
#include <torch/torch.h>

#include <functional>
#include <string>

#include "models/models.h"
#include "quant/qmodel.h"

namespace sparq::engine::exporter {

/// FP32 exports must match the engine's logits this closely (the bar).
inline constexpr double kFp32MaxAbsDiff = 1e-4;
/// INT8 exports must pick the engine's INT8 class on at least this share of the images
/// (the measured agreement, reported beside it, is the figure to quote).
inline constexpr double kInt8MinAgreement = 0.99;

struct TestImages {
    torch::Tensor pixels;  // float32 [n, 784] in [0, 1]: what a user feeds the export
    torch::Tensor labels;  // int64 [n]
};
/// The first `limit` (0 = all) test images of the Fashion-MNIST folder `dir`.
TestImages load_test_images(const std::string& dir, std::int64_t limit);

/// The engine's input for pixels: (x - mean) / std, the same float operations as its loader.
torch::Tensor normalise(const torch::Tensor& pixels);

/// Logits of the engine's models for pixels [n, 784], in chunks.
torch::Tensor engine_logits(models::ClassifierImpl& model, const torch::Tensor& pixels);
torch::Tensor engine_logits(const quant::QuantModel& q, const torch::Tensor& pixels);

/// Runs `fn` over pixels [n, 784] in chunks of `chunk` images and concatenates the logits.
torch::Tensor chunked(const std::function<torch::Tensor(const torch::Tensor&)>& fn, const torch::Tensor& pixels,
                      std::int64_t chunk = 500);

struct Agreement {
    std::int64_t samples = 0;
    double max_abs_diff = 0;
    double argmax_agreement = 0;
    double accuracy = 0;  // of `exported`
};
Agreement compare(const torch::Tensor& exported, const torch::Tensor& engine, const torch::Tensor& labels);

double accuracy(const torch::Tensor& logits, const torch::Tensor& labels);

/// Throws VerificationError naming `what` when `a` misses the bar for `precision`.
void require(const Agreement& a, const std::string& precision, const std::string& what);

}  // namespace sparq::engine::exporter

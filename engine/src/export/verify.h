#pragma once
// Comparing an export, reloaded, with the engine on the Fashion-MNIST test images.
#include <torch/types.h>

#include <functional>
#include <string>

#include "models/models.h"
#include "quant/qmodel.h"

namespace sparq::engine::exporter {

/// FP32 exports of dense models must match the engine's logits this closely on every image
/// (the bar).
inline constexpr double kFp32MaxAbsDiff = 1e-4;
/// Gated models: the engine's sparse path runs its own dispatch kernel, whose sums differ in
/// order from any BLAS; its kernels are held to 1e-4 relative to each other
/// (kernels::kGatedTolerance), so the bar is 1e-4 x max(1, largest |logit|). An input whose
/// two best block scores tie to within rounding may be routed differently by another
/// implementation, so up to this share of the images may exceed the bar.
inline constexpr double kGatedRelDiff = 1e-4;
inline constexpr double kGatedTieShare = 1e-3;
/// INT8 exports must pick the engine's INT8 class on at least this share of the images
/// (the measured agreement, reported beside it, is the figure to quote).
inline constexpr double kInt8MinAgreement = 0.99;

/// What a verification requires.
struct Bar {
    std::string precision;   // fp32 | int8
    double tolerance = 0;    // fp32: largest |logit difference| allowed per image (0: no bar)
    double max_over_share = 0;  // fp32: share of images allowed above the tolerance
};
/// The bar for an export of `arch` at `precision` whose engine logits are `engine`.
Bar bar_for(const std::string& precision, const std::string& arch, const torch::Tensor& engine);

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
    double accuracy = 0;              // of `exported`
    double tolerance = 0;             // the bar's, copied
    std::int64_t over_tolerance = 0;  // images whose largest |difference| exceeds it
};
Agreement compare(const torch::Tensor& exported, const torch::Tensor& engine, const torch::Tensor& labels,
                  const Bar& bar);

double accuracy(const torch::Tensor& logits, const torch::Tensor& labels);

/// Throws VerificationError naming `what` when `a` misses the bar.
void require(const Agreement& a, const Bar& bar, const std::string& what);

}  // namespace sparq::engine::exporter

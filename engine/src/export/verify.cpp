#include "export/verify.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "data/fashion_mnist.h"
#include "data/idx.h"
#include "sparq/engine/export.h"

namespace sparq::engine::exporter {

TestImages load_test_images(const std::string& dir, std::int64_t limit) {
    auto split = data::read_idx_split(dir, "t10k");
    const std::int64_t n = limit > 0 ? std::min(limit, split.count) : split.count;
    const std::int64_t d = std::int64_t(split.rows) * split.cols;
    TestImages t;
    t.pixels = torch::from_blob(split.pixels.data(), {split.count, d}, torch::kUInt8)
                   .narrow(0, 0, n).to(torch::kFloat32).div_(255.0f);
    t.labels = torch::from_blob(split.labels.data(), {split.count}, torch::kUInt8).narrow(0, 0, n).to(torch::kInt64);
    return t;
}

torch::Tensor normalise(const torch::Tensor& pixels) {
    return pixels.sub(data::kPixelMean).div_(data::kPixelStd);
}

torch::Tensor chunked(const std::function<torch::Tensor(const torch::Tensor&)>& fn, const torch::Tensor& pixels,
                      std::int64_t chunk) {
    std::vector<torch::Tensor> parts;
    for (std::int64_t i = 0; i < pixels.size(0); i += chunk)
        parts.push_back(fn(pixels.narrow(0, i, std::min(chunk, pixels.size(0) - i)).contiguous()));
    return torch::cat(parts);
}

torch::Tensor engine_logits(models::ClassifierImpl& model, const torch::Tensor& pixels) {
    torch::NoGradGuard no_grad;
    model.eval();
    return chunked([&](const torch::Tensor& px) { return model.forward(normalise(px)); }, pixels);
}

torch::Tensor engine_logits(const quant::QuantModel& q, const torch::Tensor& pixels) {
    return chunked(
        [&](const torch::Tensor& px) {
            const auto x = normalise(px).contiguous();
            auto out = torch::empty({x.size(0), q.classes}, torch::kFloat32);
            q.forward(x.data_ptr<float>(), x.size(0), out.data_ptr<float>());
            return out;
        },
        pixels);
}

double accuracy(const torch::Tensor& logits, const torch::Tensor& labels) {
    if (labels.numel() == 0) return 0;
    return logits.argmax(1).eq(labels).to(torch::kFloat64).mean().item<double>();
}

Bar bar_for(const std::string& precision, const std::string& arch, const torch::Tensor& engine) {
    Bar b;
    b.precision = precision;
    if (precision != "fp32") return b;
    if (arch == "gated-mlp") {
        const double scale = engine.numel() ? engine.abs().max().item<double>() : 0.0;
        b.tolerance = kGatedRelDiff * std::max(1.0, scale);
        b.max_over_share = kGatedTieShare;
    } else {
        b.tolerance = kFp32MaxAbsDiff;
    }
    return b;
}

Agreement compare(const torch::Tensor& exported, const torch::Tensor& engine, const torch::Tensor& labels,
                  const Bar& bar) {
    Agreement a;
    a.samples = engine.size(0);
    a.tolerance = bar.tolerance;
    if (exported.sizes() != engine.sizes())
        throw VerificationError("the export returns logits of shape " + c10::str(exported.sizes()) +
                                " where the engine returns " + c10::str(engine.sizes()));
    if (a.samples == 0) return a;
    const auto per_image = (exported - engine).abs().amax(1);
    a.max_abs_diff = per_image.max().item<double>();
    if (!std::isfinite(a.max_abs_diff)) a.max_abs_diff = std::numeric_limits<double>::infinity();
    // NaN counts as over the tolerance.
    if (bar.tolerance > 0) a.over_tolerance = a.samples - per_image.le(bar.tolerance).sum().item<std::int64_t>();
    a.argmax_agreement = exported.argmax(1).eq(engine.argmax(1)).to(torch::kFloat64).mean().item<double>();
    a.accuracy = accuracy(exported, labels);
    return a;
}

void require(const Agreement& a, const Bar& bar, const std::string& what) {
    char buf[320];
    if (bar.precision == "fp32" && double(a.over_tolerance) > bar.max_over_share * double(a.samples)) {
        std::snprintf(buf, sizeof buf,
                      "%lld of %lld images differ by more than %.3g (max abs difference %.3g; %.1f%% allowed)",
                      (long long)a.over_tolerance, (long long)a.samples, bar.tolerance, a.max_abs_diff,
                      100.0 * bar.max_over_share);
        throw VerificationError(what + " does not match the engine: " + buf);
    }
    if (bar.precision == "int8" && !(a.argmax_agreement >= kInt8MinAgreement)) {
        std::snprintf(buf, sizeof buf, "argmax agreement %.4f over %lld images, below the %.2f required for INT8",
                      a.argmax_agreement, (long long)a.samples, kInt8MinAgreement);
        throw VerificationError(what + " does not match the engine's INT8 model: " + buf);
    }
}

}  // namespace sparq::engine::exporter

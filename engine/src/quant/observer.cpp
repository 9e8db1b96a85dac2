#include "quant/observer.h"

#include <algorithm>
#include <cmath>

#include "sparq/engine/errors.h"

namespace sparq::engine::quant {

namespace {

constexpr std::int64_t kMaxSample = 1 << 18;

torch::Tensor sample_of(const torch::Tensor& values) {
    auto flat = values.detach().reshape(-1).to(torch::kFloat32);
    if (flat.numel() <= kMaxSample) return flat;
    return flat.index_select(0, torch::randint(flat.numel(), {kMaxSample}, torch::kLong));
}

// Squared error of quantizing `v` to [lo, hi] on [0, qmax] and back.
double roundtrip_error(const torch::Tensor& v, float lo, float hi, int qmax) {
    const QParams q = affine_qparams(lo, hi, qmax);
    const auto back = torch::fake_quantize_per_tensor_affine(v, q.scale, q.zero, 0, qmax);
    return (back - v).pow(2).sum().item<double>();
}

}  // namespace

ObserverKind parse_observer(const std::string& name) {
    if (name == "minmax") return ObserverKind::MinMax;
    if (name == "ema") return ObserverKind::Ema;
    if (name == "percentile") return ObserverKind::Percentile;
    if (name == "mse") return ObserverKind::Mse;
    throw ConfigError("observer: '" + name + "' is not one of minmax, ema, percentile, mse");
}

const char* to_string(ObserverKind k) {
    switch (k) {
        case ObserverKind::MinMax: return "minmax";
        case ObserverKind::Ema: return "ema";
        case ObserverKind::Percentile: return "percentile";
        case ObserverKind::Mse: return "mse";
    }
    return "?";
}

QParams affine_qparams(float lo, float hi, int qmax) {
    lo = std::min(lo, 0.f);
    hi = std::max(hi, 0.f);
    QParams q;
    q.scale = std::max((hi - lo) / float(qmax), 1e-8f);
    q.zero = std::clamp(int(std::nearbyint(-lo / q.scale)), 0, qmax);
    return q;
}

Observer::Observer(ObserverKind kind, double percentile, double ema, int qmax)
    : kind_(kind), percentile_(percentile), ema_(ema), qmax_(qmax) {}

void Observer::observe(const torch::Tensor& values) {
    if (values.numel() == 0) return;
    torch::NoGradGuard no_grad;
    float lo = 0.f, hi = 0.f;
    if (kind_ == ObserverKind::MinMax || kind_ == ObserverKind::Ema) {
        const auto v = values.detach();
        lo = v.min().item<float>();
        hi = v.max().item<float>();
    } else {
        const auto v = sample_of(values);
        if (kind_ == ObserverKind::Percentile) {
            const auto sorted = std::get<0>(v.sort());
            const std::int64_t n = sorted.numel();
            auto at = [&](double pct) {
                const auto i = std::clamp<std::int64_t>(std::int64_t(std::llround(pct / 100.0 * double(n - 1))), 0, n - 1);
                return sorted[i].item<float>();
            };
            lo = at(100.0 - percentile_);
            hi = at(percentile_);
        } else {
            const float vmin = v.min().item<float>(), vmax = v.max().item<float>();
            double best = -1;
            for (int i = 0; i < 40; ++i) {
                const float a = 1.f - 0.0225f * float(i);  // 1.0 down to about 0.12
                const double err = roundtrip_error(v, vmin * a, vmax * a, qmax_);
                if (best < 0 || err < best) {
                    best = err;
                    lo = vmin * a;
                    hi = vmax * a;
                }
            }
        }
    }
    if (batches_ == 0) {
        lo_ = lo;
        hi_ = hi;
    } else if (kind_ == ObserverKind::MinMax) {
        lo_ = std::min(lo_, lo);
        hi_ = std::max(hi_, hi);
    } else if (kind_ == ObserverKind::Ema) {
        lo_ += float(ema_) * (lo - lo_);
        hi_ += float(ema_) * (hi - hi_);
    } else {  // running mean of the per-batch ranges
        const float w = 1.f / float(batches_ + 1);
        lo_ += w * (lo - lo_);
        hi_ += w * (hi - hi_);
    }
    ++batches_;
}

torch::Tensor per_channel_scales(const torch::Tensor& w) {
    return (w.detach().reshape({w.size(0), -1}).abs().amax(1) / 127.0).clamp_min(1e-12);
}

WeightQuant quantize_weight(const torch::Tensor& w, bool per_channel) {
    torch::NoGradGuard no_grad;
    torch::Tensor scale = per_channel_scales(w);
    if (!per_channel) scale = torch::full_like(scale, scale.max().item<float>());
    std::vector<std::int64_t> shape(w.dim(), 1);
    shape[0] = w.size(0);
    const auto q = torch::round(w.detach() / scale.view(shape)).clamp(-127, 127).to(torch::kInt8);
    return {q, scale};
}

}  // namespace sparq::engine::quant

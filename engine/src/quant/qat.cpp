#include "quant/qat.h"

#include "cpu/int8_kernels.h"

namespace sparq::engine::quant {

torch::Tensor FakeQuantHooks::act(int point, const torch::Tensor& t) {
    Observer& o = cal_.points.at(point);
    if (!frozen() && t.requires_grad()) o.observe(t.detach());
    const QParams q = o.qparams();
    return torch::fake_quantize_per_tensor_affine(t, q.scale, q.zero, 0, kernels::kActMax);
}

torch::Tensor FakeQuantHooks::weight(int /*layer*/, const torch::Tensor& w) {
    const auto scale = per_channel_scales(w).to(torch::kFloat32);
    const auto zero = torch::zeros({w.size(0)}, torch::kInt32);
    return torch::fake_quantize_per_channel_affine(w, scale, zero, 0, -127, 127);
}

}  // namespace sparq::engine::quant

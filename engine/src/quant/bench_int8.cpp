#include <ATen/Parallel.h>
#include <torch/types.h>
#include <torch/utils.h>

#include "bench_util.h"
#include "cpu/int8_kernels.h"
#include "models/models.h"
#include "quant/convert.h"
#include "sparq/engine/quantize.h"

namespace sparq::engine {

namespace quant {

void time_fp32_vs_int8(models::ClassifierImpl& model, const QuantModel& qm, const torch::Tensor& images,
                       double seconds, QuantizeResult& r) {
    model.eval();
    torch::NoGradGuard no_grad;
    for (int batch : {1, 64}) {
        const auto x = images.narrow(0, 0, std::min<std::int64_t>(batch * 16, images.size(0))).contiguous();
        const std::int64_t slices = x.size(0) / batch;
        std::vector<float> logits(std::size_t(batch) * qm.classes);
        const auto [fp32_ms, int8_ms] = alternate_medians(
            [&](std::size_t i) { model.forward(x.narrow(0, std::int64_t(i % slices) * batch, batch)); },
            [&](std::size_t i) {
                qm.forward(x.data_ptr<float>() + std::int64_t(i % slices) * batch * qm.inputs, batch, logits.data());
            },
            seconds);
        (batch == 1 ? r.fp32_latency_ms_b1 : r.fp32_latency_ms_b64) = fp32_ms;
        (batch == 1 ? r.int8_latency_ms_b1 : r.int8_latency_ms_b64) = int8_ms;
    }
    r.speedup_b1 = r.fp32_latency_ms_b1 / r.int8_latency_ms_b1;
    r.speedup_b64 = r.fp32_latency_ms_b64 / r.int8_latency_ms_b64;
}

}  // namespace quant

QuantizeResult bench_int8(const Int8BenchOptions& o) {
    at::set_num_threads(o.threads);
    torch::manual_seed(1);
    const TrainSpec spec = load_preset(o.preset);
    auto model = models::make_model(spec);
    model->eval();
    torch::NoGradGuard no_grad;
    // Random weights and inputs: the shapes are what is timed. Calibrate on the inputs.
    const auto x = torch::randn({64 * 16, 784});
    const quant::QuantModel qm = quant::convert(*model, quant::calibrate(*model, x, quant::ObserverKind::MinMax));
    QuantizeResult r;
    r.mode = "bench";
    r.arch = spec.model;
    r.preset = o.preset;
    r.kernel = kernels::int8_simd_path();
    quant::time_fp32_vs_int8(*model, qm, x, o.seconds, r);
    r.status = "completed";
    return r;
}

}  // namespace sparq::engine

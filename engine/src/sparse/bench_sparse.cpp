#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "data/fashion_mnist.h"
#include "models/models.h"
#include "sparq/engine/bench.h"
#include "sparq/engine/errors.h"
#include "train/checkpoint.h"
#include "train/sparsity_stats.h"

namespace sparq::engine {

namespace {

using Clock = std::chrono::steady_clock;

torch::Tensor bench_inputs(std::int64_t n) {
    try {
        const auto ds = data::load_fashion_mnist(default_data_dir());
        return ds->test.images.narrow(0, 0, std::min<std::int64_t>(n, ds->test.size())).clone();
    } catch (const DataError&) {
        return torch::randn({n, 784});
    }
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

std::vector<SparseBenchRow> bench_sparse(const SparseBenchOptions& o) {
    at::set_num_threads(o.threads);
    torch::manual_seed(1);
    TrainSpec spec = load_preset(o.preset);
    if (spec.model != "gated-mlp")
        throw ConfigError("bench sparse: preset " + o.preset + " has no gated layers");
    if (o.active_fraction > 0) set_field(spec, "active_fraction", std::to_string(o.active_fraction));
    auto model = std::dynamic_pointer_cast<models::GatedMlpImpl>(models::make_model(spec));
    if (!o.checkpoint.empty()) {
        torch::optim::Adam opt(model->parameters());
        train::load_checkpoint(o.checkpoint, *model, opt);
        models::set_active_fraction(*model, spec.active_fraction);
    }
    model->eval();
    torch::NoGradGuard no_grad;

    // The dense path of the same shapes: every block of every layer, through LibTorch.
    const auto gated = model->gated_layers();
    auto head = model->named_parameters();
    const torch::Tensor head_w = head["head.weight"], head_b = head["head.bias"];
    auto dense = [&](const torch::Tensor& x) {
        torch::Tensor h = x;
        for (const auto& g : gated) h = torch::relu(torch::nn::functional::linear(h, g->weight, g->bias));
        return torch::nn::functional::linear(h, head_w, head_b);
    };
    auto sparse = [&](const torch::Tensor& x) { return model->forward(x); };

    const torch::Tensor pool = bench_inputs(4096);
    std::vector<SparseBenchRow> rows;
    for (int batch : o.batches) {
        const std::int64_t slices = pool.size(0) / batch;
        std::vector<torch::Tensor> inputs;
        for (std::int64_t i = 0; i < slices; ++i) inputs.push_back(pool.narrow(0, i * batch, batch).contiguous());

        train::SparsityTally tally(*model);
        for (const auto& x : inputs) {  // warm-up, and the observed active fraction
            sparse(x);
            tally.add(*model, batch);
            dense(x);
        }
        // Alternate the two paths in short rounds so that both see the same machine state.
        std::vector<double> dense_ms, sparse_ms;
        const auto t_end = Clock::now() + std::chrono::duration<double>(o.seconds_per_point);
        std::size_t next = 0;
        while (Clock::now() < t_end || dense_ms.size() < 5) {
            for (int path = 0; path < 2; ++path) {
                constexpr int kPerRound = 20;
                const auto t0 = Clock::now();
                for (int i = 0; i < kPerRound; ++i) {
                    const auto& x = inputs[(next + i) % inputs.size()];
                    path == 0 ? dense(x) : sparse(x);
                }
                const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count() / kPerRound;
                (path == 0 ? dense_ms : sparse_ms).push_back(ms);
            }
            next += 20;
        }
        SparseBenchRow row;
        row.batch = batch;
        row.dense_ms = median(dense_ms);
        row.sparse_ms = median(sparse_ms);
        row.speedup = row.dense_ms / row.sparse_ms;
        row.active_param_fraction = tally.active_param_fraction();
        rows.push_back(row);
    }
    return rows;
}

}  // namespace sparq::engine

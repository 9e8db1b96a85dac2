#include <ATen/Parallel.h>
#include <torch/nn/functional/linear.h>
#include <torch/optim/adam.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <algorithm>
#include <filesystem>

#include "bench_util.h"
#include "data/fashion_mnist.h"
#include "models/models.h"
#include "sparq/engine/bench.h"
#include "sparq/engine/errors.h"
#include "train/checkpoint.h"
#include "sparse/sparsity_stats.h"

namespace sparq::engine {

namespace {

torch::Tensor bench_inputs(std::int64_t n) {
    try {
        const auto ds = data::load_fashion_mnist(default_data_dir());
        return ds->test.images.narrow(0, 0, std::min<std::int64_t>(n, ds->test.size())).clone();
    } catch (const DataError&) {
        return torch::randn({n, 784});
    }
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

        sparse::SparsityTally tally(*model);
        for (const auto& x : inputs) {  // warm-up, and the observed active fraction
            sparse(x);
            tally.add(*model, batch);
            dense(x);
        }
        const auto [dense_ms, sparse_ms] = alternate_medians(
            [&](std::size_t i) { dense(inputs[i % inputs.size()]); },
            [&](std::size_t i) { sparse(inputs[i % inputs.size()]); }, o.seconds_per_point);
        SparseBenchRow row;
        row.batch = batch;
        row.dense_ms = dense_ms;
        row.sparse_ms = sparse_ms;
        row.speedup = row.dense_ms / row.sparse_ms;
        row.active_param_fraction = tally.active_param_fraction();
        rows.push_back(row);
    }
    return rows;
}

}  // namespace sparq::engine

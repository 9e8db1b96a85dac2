#include <ATen/Parallel.h>
#include <torch/optim/adam.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <algorithm>
#include <chrono>

#include "data/fashion_mnist.h"
#include "models/models.h"
#include "sparq/engine/errors.h"
#include "sparq/engine/sparse.h"
#include "train/checkpoint.h"
#include "train/sparsity_stats.h"

namespace sparq::engine {

namespace {

double median_forward_ms(models::ClassifierImpl& model, const torch::Tensor& pool, std::int64_t batch) {
    std::vector<double> ms;
    const std::int64_t slices = std::max<std::int64_t>(1, pool.size(0) / batch);
    for (int round = 0; round < 25; ++round) {
        const auto x = pool.narrow(0, (round % slices) * batch, batch).contiguous();
        const auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < 4; ++i) model.forward(x);
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / 4);
    }
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
}

}  // namespace

std::vector<ActiveFractionPoint> sweep_active_fraction(const std::string& checkpoint,
                                                       const std::vector<double>& fractions,
                                                       int threads, std::int64_t limit_test) {
    at::set_num_threads(threads);
    const TrainSpec spec = train::checkpoint_spec(checkpoint);
    if (spec.model != "gated-mlp")
        throw ConfigError("checkpoint " + checkpoint + " holds a " + spec.model +
                          " model; the active fraction can only be tuned on a gated model");
    auto model = models::make_model(spec);
    torch::optim::Adam opt(model->parameters());
    train::load_checkpoint(checkpoint, *model, opt);
    model->eval();
    torch::NoGradGuard no_grad;
    const auto ds = data::load_fashion_mnist(spec.data_dir.empty() ? default_data_dir() : spec.data_dir);
    const std::int64_t n = limit_test > 0 ? std::min(limit_test, ds->test.size()) : ds->test.size();

    std::vector<ActiveFractionPoint> out;
    for (double f : fractions) {
        if (!(f > 0 && f <= 1))
            throw ConfigError("active fraction " + std::to_string(f) + " is out of range (0, 1]");
        models::set_active_fraction(*model, f);
        train::SparsityTally tally(*model);
        std::int64_t correct = 0;
        for (std::int64_t i = 0; i < n; i += 1000) {
            const std::int64_t len = std::min<std::int64_t>(1000, n - i);
            const auto logits = model->forward(ds->test.images.narrow(0, i, len));
            tally.add(*model, len);
            correct += logits.argmax(1).eq(ds->test.labels.narrow(0, i, len)).sum().item<std::int64_t>();
        }
        ActiveFractionPoint p;
        p.active_fraction = f;
        p.test_accuracy = double(correct) / double(n);
        p.active_param_fraction = tally.active_param_fraction();
        p.latency_ms_b1 = median_forward_ms(*model, ds->test.images, 1);
        p.latency_ms_b64 = median_forward_ms(*model, ds->test.images, 64);
        out.push_back(p);
    }
    return out;
}

}  // namespace sparq::engine

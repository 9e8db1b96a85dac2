#include <ATen/Parallel.h>
#include <malloc.h>
#include <torch/nn/functional/loss.h>
#include <torch/types.h>

#include <chrono>
#include <fstream>

#include "bench_util.h"
#include "data/fashion_mnist.h"
#include "models/models.h"
#include "sparq/engine/bench.h"
#include "sparq/engine/errors.h"
#include "sparq/profiler/process_sampler.h"
#include "train/precision.h"
#include "train/trainer.h"

namespace sparq::engine {

namespace {

using Clock = std::chrono::steady_clock;

// Resets the kernel's peak-RSS mark to the current RSS (Linux >= 4.0); false if refused.
bool reset_peak_rss() {
    std::ofstream f("/proc/self/clear_refs");
    f << "5";
    return bool(f.flush());
}

struct Trainee {
    std::string precision;
    std::shared_ptr<models::ClassifierImpl> model;
    std::unique_ptr<torch::optim::Optimizer> opt;
    std::vector<double> round_ms;
    std::int64_t next = 0;
};

}  // namespace

std::vector<AmpBenchRow> bench_amp(const AmpBenchOptions& o) {
    at::set_num_threads(o.threads);
    TrainSpec spec = load_preset(o.preset);
    const auto ds = data::load_fashion_mnist(default_data_dir());
    const std::int64_t batch = spec.batch_size, n = ds->train.size();

    std::vector<Trainee> runs;
    for (const std::string& p : o.precisions) {
        if (p != "fp32" && p != "bf16" && p != "fp16") throw ConfigError("bench amp: unknown precision '" + p + "'");
        if (p == "fp16") throw ConfigError("bench amp: fp16 needs a CUDA device (CPU autocast has BF16 only)");
        torch::manual_seed(spec.seed);  // same initial weights for every precision
        Trainee t;
        t.precision = p;
        t.model = models::make_model(spec);
        t.opt = train::make_optimizer(spec, *t.model);
        runs.push_back(std::move(t));
    }
    auto step = [&](Trainee& t) {
        const std::int64_t at = (t.next * batch) % (n - batch);
        ++t.next;
        t.opt->zero_grad();
        torch::Tensor logits;
        {
            train::AutocastScope amp(train::precision_dtype(t.precision));
            logits = t.model->forward(ds->train.images.narrow(0, at, batch));
        }
        torch::nn::functional::cross_entropy(logits.to(torch::kFloat32), ds->train.labels.narrow(0, at, batch))
            .backward();
        t.opt->step();
    };

    std::vector<AmpBenchRow> rows(runs.size());
    // Memory: the growth of the peak resident set over a few steps from a trimmed heap.
    for (std::size_t i = 0; i < runs.size(); ++i) {
        step(runs[i]);  // first-touch allocations of the optimizer state
        malloc_trim(0);
        const double base = profiler::read_process_stats().rss_mb;
        const bool reset = reset_peak_rss();
        for (int k = 0; k < 10; ++k) step(runs[i]);
        rows[i].peak_mb = reset ? profiler::read_process_stats().peak_rss_mb - base : 0.0;
    }
    // Time: rounds of 10 steps, precisions alternated, until each has done o.steps.
    constexpr int kRound = 10;
    for (int done = 0; done < o.steps; done += kRound)
        for (auto& t : runs) {
            const auto t0 = Clock::now();
            for (int k = 0; k < kRound; ++k) step(t);
            t.round_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count() / kRound);
        }
    for (std::size_t i = 0; i < runs.size(); ++i) {
        rows[i].precision = runs[i].precision;
        rows[i].step_ms = median_of(runs[i].round_ms);
        rows[i].accuracy = train::evaluate(*runs[i].model, ds->test, o.limit_test).accuracy;
    }
    return rows;
}

}  // namespace sparq::engine

#include <ATen/Parallel.h>
#include <torch/optim/adam.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <algorithm>
#include <chrono>

#include "data/fashion_mnist.h"
#include "models/models.h"
#include "spec/field_table.h"
#include "sparq/engine/train.h"
#include "sparq/profiler/run_store.h"
#include "sparse/sparsity_stats.h"
#include "sparse/sweep.h"
#include "train/checkpoint.h"

namespace sparq::engine {

namespace sparse {

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

// The checkpoint of a recorded run.
std::string run_checkpoint(std::int64_t run, const profiler::RunStore* store) {
    if (!store) throw ConfigError("sweep: run " + std::to_string(run) + " needs a history to be read from");
    std::string checkpoint;
    for (const auto& a : profiler::RunReader(store->path()).artifacts(run))
        if (a.kind == "checkpoint") checkpoint = a.path;
    if (checkpoint.empty())
        throw ConfigError("run " + std::to_string(run) + " has no checkpoint in " + store->path());
    return checkpoint;
}

}  // namespace

SweepResult run_sweep(const SweepSpec& s, JobContext& ctx) {
    validate(s);
    at::set_num_threads(s.threads);
    SweepResult r;
    r.run_id = s.run_id;
    r.device = ctx.device.name;
    r.checkpoint = s.checkpoint.empty() ? run_checkpoint(s.run_id, ctx.store) : s.checkpoint;
    const TrainSpec spec = train::checkpoint_spec(r.checkpoint);
    if (spec.model != "gated-mlp")
        throw ConfigError("checkpoint " + r.checkpoint + " holds a " + spec.model +
                          " model; the active fraction can only be tuned on a gated model");
    auto model = models::make_model(spec);
    torch::optim::Adam opt(model->parameters());
    train::load_checkpoint(r.checkpoint, *model, opt);
    model->eval();
    torch::NoGradGuard no_grad;
    const auto ds = data::load_fashion_mnist(spec.data_dir.empty() ? default_data_dir() : spec.data_dir);
    const std::int64_t n = s.limit_test > 0 ? std::min(s.limit_test, ds->test.size()) : ds->test.size();

    for (std::size_t k = 0; k < s.fractions.size(); ++k) {
        if (ctx.should_stop()) throw JobCancelled{};
        const double f = s.fractions[k];
        ctx.progress("active fraction " + std::to_string(f), double(k) / double(s.fractions.size()));
        models::set_active_fraction(*model, f);
        SparsityTally tally(*model);
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
        r.points.push_back(p);
    }
    return r;
}

}  // namespace sparse

namespace {

const spec::FieldTable<SweepSpec>& sweep_table() {
#define F(info, member) SPARQ_FIELD(SweepSpec, info, member)
    static const spec::FieldTable<SweepSpec> t("sweep", "sweep", "sweep", {
        F(spec::int_field("run", 0, 1e15, "run id whose checkpoint to use"), run_id),
        F(spec::text_field("checkpoint", "instead of a run: a gated model's checkpoint"), checkpoint),
        F(spec::float_list_field("fractions", 0.001, 1.0, "active fractions to evaluate", true), fractions),
        F(spec::int_field("threads", 1, 256, "CPU threads"), threads),
        F(spec::int_field("limit_test", 0, 1e9, "evaluate on the first N test images (0 = all)"), limit_test),
        F(spec::device_field(), device),
    });
#undef F
    return t;
}

}  // namespace

SPARQ_DEFINE_SPEC_FIELDS(SweepSpec, sweep_table)

void validate(const SweepSpec& s) {
    sweep_table().check(s);
    if ((s.run_id > 0) == !s.checkpoint.empty())
        throw ConfigError("sparsity sweep needs --checkpoint PATH or --run ID, not both");
    if (s.fractions.empty()) throw ConfigError("sweep: 'fractions' needs at least one active fraction");
}

std::string to_json(const SweepResult& r) {
    nlohmann::json points = nlohmann::json::array();
    for (const auto& p : r.points)
        points.push_back({{"active_fraction", p.active_fraction},
                          {"test_accuracy", p.test_accuracy},
                          {"latency_ms_b1", p.latency_ms_b1},
                          {"latency_ms_b64", p.latency_ms_b64},
                          {"active_param_fraction", p.active_param_fraction}});
    return nlohmann::json{{"checkpoint", r.checkpoint}, {"points", points}, {"device", r.device}}.dump();
}

}  // namespace sparq::engine

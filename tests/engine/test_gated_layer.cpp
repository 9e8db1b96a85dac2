#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "common/test_data.h"
#include "common/train_job.h"
#include "models/gated.h"
#include "models/models.h"
#include "sparq/engine/engine.h"
#include "sparq/profiler/metric_bus.h"
#include "sparse/sparsity_stats.h"

using namespace sparq::engine;
namespace k = sparq::engine::kernels;

TEST(GatedLayer, DispatchKernelEqualsTheDenseMaskedPath) {
    torch::manual_seed(5);
    for (auto mode : {k::GateMode::TopK, k::GateMode::Threshold}) {
        const k::GatedShape shape{48, 64, 16, 4};
        k::GatePolicy p = models::policy_for_fraction(shape, 0.3);
        if (mode == k::GateMode::Threshold) {
            p.mode = mode;
            p.threshold = 0.05f;
        }
        models::GatedLinear layer(shape, p, models::GateTraining::StraightThrough, 0.3);
        layer->gate_c.data().mul_(4);
        layer->gate_f.data().mul_(4);
        layer->eval();
        torch::NoGradGuard no_grad;
        for (int batch : {1, 7, 64}) {
            const auto x = torch::randn({batch, 48});
            layer->set_use_kernel(true);
            const auto y_kernel = layer->forward(x, true);
            const auto kept_kernel = layer->stats().kept.clone();
            layer->set_use_kernel(false);
            const auto y_dense = layer->forward(x, true);
            EXPECT_TRUE(torch::allclose(y_kernel, y_dense, 1e-4, 1e-5)) << "batch " << batch;
            EXPECT_TRUE(torch::equal(kept_kernel, layer->stats().kept));
        }
    }
}

// The exact derivative of the forward value holds for the weights, and for the gate where the
// loss ignores dropped blocks (there the straight-through term contributes nothing).
TEST(GatedLayer, GradientsMatchFiniteDifferences) {
    torch::manual_seed(11);
    const k::GatedShape shape{6, 8, 4, 2};
    k::GatePolicy p;
    p.k_groups = 1;
    p.k_blocks = 1;
    models::GatedLinear layer(shape, p, models::GateTraining::StraightThrough, 0.25);
    layer->to(torch::kFloat64);
    layer->train();
    const auto x = torch::randn({5, 6}, torch::kFloat64);
    // Loss weights only on kept blocks' outputs.
    const auto mask = layer->route(x, false).second;                   // [5, 4]
    const auto r = torch::randn({5, 8}, torch::kFloat64) *
                   mask.repeat_interleave(2, 1);                       // [5, 8]
    auto loss_of = [&] { return (layer->forward(x, false) * r).sum(); };
    layer->zero_grad();
    loss_of().backward();
    torch::NoGradGuard no_grad;
    for (auto* param : {&layer->weight, &layer->bias, &layer->gate_c, &layer->gate_cb,
                        &layer->gate_f, &layer->gate_fb}) {
        const auto grad = param->grad().clone();
        auto flat = param->data().view(-1);
        for (std::int64_t i = 0; i < flat.numel(); ++i) {
            const double keep = flat[i].item<double>();
            const double eps = 1e-6;
            flat[i] = keep + eps;
            const double up = loss_of().item<double>();
            flat[i] = keep - eps;
            const double down = loss_of().item<double>();
            flat[i] = keep;
            EXPECT_NEAR(grad.view(-1)[i].item<double>(), (up - down) / (2 * eps), 1e-6)
                << "parameter element " << i;
        }
    }
}

TEST(GatedLayer, LoadBalancingLossSpreadsTheLoad) {
    torch::manual_seed(2);
    const k::GatedShape shape{16, 32, 8, 1};
    k::GatePolicy p;
    p.k_groups = 1;
    p.k_blocks = 2;
    models::GatedLinear layer(shape, p, models::GateTraining::StraightThrough, 0.25);
    {
        torch::NoGradGuard no_grad;
        layer->gate_fb[0] = 4.0;  // a gate that starts out sending everything to blocks 0 and ...
        layer->gate_fb[1] = 3.5;  // ... 1: the other six starve
    }
    const auto x = torch::randn({512, 16});
    auto max_share = [&] {
        torch::NoGradGuard no_grad;
        layer->forward(x, false);
        const auto load = layer->stats().load;
        return (load.max() / load.sum()).item<double>();
    };
    const double before = max_share();
    EXPECT_GT(before, 0.45) << "the toy gate starts collapsed";
    torch::optim::Adam opt({layer->gate_f, layer->gate_fb, layer->gate_c, layer->gate_cb},
                           torch::optim::AdamOptions(0.05));
    for (int step = 0; step < 200; ++step) {
        opt.zero_grad();
        layer->forward(x, false);
        layer->stats().balance.backward();
        opt.step();
    }
    const double after = max_share();
    EXPECT_LT(after, 0.25) << "uniform would be 1/8 = 0.125; before: " << before;
}

TEST(GatedLayer, ObservedActiveFractionMatchesAHandCount) {
    TrainSpec spec;
    spec.model = "gated-mlp";
    spec.hidden = {8};
    spec.blocks = 4;
    spec.groups = 1;
    spec.active_fraction = 0.5;
    models::GatedMlp model(4, spec, 3);
    // gated layer: W 8x4 + b 8 + coarse gate 1x4 + 1 + fine gate 4x4 + 4 = 65; head 8x3 + 3 = 27
    ASSERT_EQ(models::parameter_count(*model), 92);
    model->eval();
    torch::NoGradGuard no_grad;
    sparse::SparsityTally tally(*model);
    model->forward(torch::randn({10, 4}));
    tally.add(*model, 10);
    // Per input: 2 kept blocks x 2 neurons x (4 weights + 1 bias) + gates 25 + head 27 = 72.
    EXPECT_DOUBLE_EQ(tally.active_param_fraction(), 72.0 / 92.0);
    EXPECT_DOUBLE_EQ(tally.layer_active_fraction()[0], 0.5);
    double load_sum = 0;
    const auto load = tally.layer_load();
    for (double l : load[0]) load_sum += l;
    EXPECT_DOUBLE_EQ(load_sum, 2.0) << "each input is routed to two blocks";
}

TEST(GatedLayer, BothGateModesTrainThroughTheEngine) {
    SPARQ_REQUIRE_FASHION_MNIST();
    sparq::profiler::MetricBus bus;
    EngineOptions o;
    o.bus = &bus;
    o.sample_process = false;
    o.workspace_root = (std::filesystem::temp_directory_path() / "sparq-gated-test").string();
    Engine engine(o);
    for (const char* gate : {"st", "reinforce"}) {
        TrainSpec s = load_preset("gated-mlp-fashion");
        s.hidden = {128, 128};
        s.blocks = 8;
        s.groups = 2;
        s.gate = gate;
        s.epochs = 2;
        s.limit_train = 4096;
        s.limit_test = 1000;
        s.threads = 1;
        s.checkpoint = false;
        JobSink sink;
        const TrainResult r = sparq::test::finished(engine.submit(s, sink));
        ASSERT_EQ(r.status, JobStatus::Completed) << r.error;
        EXPECT_GT(r.test_accuracy, 0.5) << gate << " (chance is 0.1)";
        EXPECT_LT(r.active_param_fraction, 0.5) << gate;
        EXPECT_GT(r.active_param_fraction, 0.2) << gate;
        EXPECT_EQ(r.dense_equivalent_params, r.params);
    }
}

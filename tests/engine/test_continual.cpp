// Continual learning: the Fisher against a hand computation, the EWC penalty's gradient
// against its closed form, lambda = 0 against plain fine-tuning, the task sequences, and the
// metrics of a constructed accuracy matrix.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "continual/continual_job.h"
#include "continual/ewc.h"
#include "sparq/engine/continual.h"
#include "sparq/engine/errors.h"

using namespace sparq::engine;
using continual::FisherKind;

namespace {

// Softmax regression: logits = W x + b, so d/dW log p(c|x) = (e_c - p) x^T and
// d/db log p(c|x) = e_c - p.
std::vector<torch::Tensor> hand_fisher(const torch::Tensor& W, const torch::Tensor& b, const torch::Tensor& x,
                                       const torch::Tensor& y, FisherKind kind) {
    auto fw = torch::zeros_like(W, torch::kFloat64), fb = torch::zeros_like(b, torch::kFloat64);
    const auto X = x.to(torch::kFloat64), Wd = W.to(torch::kFloat64), bd = b.to(torch::kFloat64);
    const std::int64_t n = x.size(0), classes = W.size(0);
    for (std::int64_t i = 0; i < n; ++i) {
        const auto p = torch::softmax(Wd.matmul(X[i]) + bd, 0);
        for (std::int64_t c = 0; c < classes; ++c) {
            const double weight = kind == FisherKind::Empirical ? (c == y[i].item<std::int64_t>() ? 1.0 : 0.0)
                                                                : p[c].item<double>();
            if (weight == 0) continue;
            const auto g = torch::one_hot(torch::tensor(c), classes).to(torch::kFloat64) - p;
            fw += weight * torch::outer(g, X[i]).square();
            fb += weight * g.square();
        }
    }
    return {fw / double(n), fb / double(n)};
}

// A small stand-in for Fashion-MNIST: random images, labels that depend on them.
data::FashionMnist toy_data(std::int64_t train, std::int64_t test) {
    torch::manual_seed(7);
    auto split = [](std::int64_t n) {
        data::Split s;
        s.images = torch::randn({n, 784});
        s.labels = s.images.narrow(1, 0, 10).argmax(1);
        return s;
    };
    return {split(train), split(test)};
}

}  // namespace

TEST(Continual, FisherOfSoftmaxRegressionEqualsTheHandComputation) {
    torch::manual_seed(3);
    models::MlpImpl model(5, {}, 4);
    const auto x = torch::randn({17, 5});
    const auto y = torch::randint(0, 4, {17}, torch::kInt64);
    const auto params = model.parameters();  // fc0.weight [4, 5], fc0.bias [4]
    for (const FisherKind kind : {FisherKind::Empirical, FisherKind::True}) {
        const auto got = continual::fisher_diagonal([&](const torch::Tensor& in) { return model.forward(in); }, params,
                                                    x, y, kind);
        const auto want = hand_fisher(params[0].detach(), params[1].detach(), x, y, kind);
        ASSERT_EQ(got.size(), 2u);
        EXPECT_TRUE(torch::allclose(got[0].to(torch::kFloat64), want[0], 1e-5, 1e-7)) << int(kind);
        EXPECT_TRUE(torch::allclose(got[1].to(torch::kFloat64), want[1], 1e-5, 1e-7)) << int(kind);
        EXPECT_GT(got[0].sum().item<double>(), 0.0);
    }
}

TEST(Continual, TrueFisherSkipsMaskedClasses) {
    torch::manual_seed(4);
    models::MlpImpl model(5, {}, 4);
    const auto x = torch::randn({9, 5});
    const auto y = torch::zeros({9}, torch::kInt64);
    auto mask = torch::tensor({true, true, false, false}).unsqueeze(0);
    const auto f = continual::fisher_diagonal(
        [&](const torch::Tensor& in) { return continual::masked_logits(model, in, mask); }, model.parameters(), x, y,
        FisherKind::True);
    // The masked classes' rows of W get no gradient from any class kept in the mask.
    EXPECT_EQ(f[0].narrow(0, 2, 2).abs().sum().item<double>(), 0.0);
    EXPECT_GT(f[0].narrow(0, 0, 2).sum().item<double>(), 0.0);
    EXPECT_FALSE(torch::any(torch::isnan(f[0])).item<bool>());
}

TEST(Continual, BatchedMlpFisherEqualsThePerSampleLoop) {
    torch::manual_seed(8);
    models::MlpImpl mlp(12, {9, 7}, 6);
    const auto x = torch::randn({23, 12});
    const auto y = torch::randint(0, 3, {23}, torch::kInt64);
    const auto mask = torch::tensor({true, true, true, false, false, false}).unsqueeze(0);
    for (const FisherKind kind : {FisherKind::Empirical, FisherKind::True}) {
        for (const bool masked : {false, true}) {
            const auto m = masked ? mask : torch::Tensor();
            const auto loop = continual::fisher_diagonal(
                [&](const torch::Tensor& in) {
                    return masked ? continual::masked_logits(mlp, in, mask) : mlp.forward(in);
                },
                mlp.parameters(), x, y, kind);
            const auto batched = continual::mlp_fisher_diagonal(mlp, m, x, y, kind);
            ASSERT_EQ(loop.size(), batched.size());
            for (std::size_t i = 0; i < loop.size(); ++i)
                EXPECT_TRUE(torch::allclose(batched[i], loop[i], 1e-4, 1e-7))
                    << "kind " << int(kind) << " masked " << masked << " tensor " << i << ": "
                    << (batched[i] - loop[i]).abs().max().item<double>();
        }
    }
}

TEST(Continual, PenaltyGradientEqualsItsClosedForm) {
    torch::manual_seed(5);
    std::vector<torch::Tensor> params{torch::randn({3, 4}).requires_grad_(), torch::randn({4}).requires_grad_()};
    continual::Ewc ewc;
    EXPECT_EQ(ewc.penalty(params).item<double>(), 0.0);
    std::vector<std::vector<torch::Tensor>> fishers, anchors;
    for (int task = 0; task < 2; ++task) {
        std::vector<torch::Tensor> f;
        for (const auto& p : params) f.push_back(torch::rand_like(p));
        fishers.push_back(f);
        anchors.push_back({params[0].detach().clone(), params[1].detach().clone()});
        ewc.consolidate(params, f);
        torch::NoGradGuard no_grad;
        for (auto& p : params) p.add_(torch::randn_like(p));
    }
    ASSERT_EQ(ewc.terms(), 2u);
    const double lambda = 3.5;
    (lambda * ewc.penalty(params)).backward();
    std::vector<torch::Tensor> autograd;
    for (auto& p : params) {
        autograd.push_back(p.grad().clone());
        p.mutable_grad().zero_();
    }
    ewc.add_gradient(params, lambda);  // the training loop's path, without a graph
    for (std::size_t i = 0; i < params.size(); ++i) {
        auto want = torch::zeros_like(params[i]);
        for (std::size_t k = 0; k < 2; ++k) want += 2.0 * lambda * fishers[k][i] * (params[i].detach() - anchors[k][i]);
        EXPECT_TRUE(torch::allclose(autograd[i], want, 1e-5, 1e-6)) << i;
        EXPECT_TRUE(torch::allclose(params[i].grad(), want, 1e-5, 1e-5)) << i;
    }
}

TEST(Continual, OnlineEwcMergesTheFisherWithDecay) {
    torch::manual_seed(6);
    std::vector<torch::Tensor> params{torch::randn({6}).requires_grad_()};
    const auto f1 = torch::rand({6}), f2 = torch::rand({6});
    continual::Ewc ewc(0.5);
    ewc.consolidate(params, {f1.clone()});
    {
        torch::NoGradGuard no_grad;
        params[0].add_(1.0);
    }
    const auto anchor2 = params[0].detach().clone();
    ewc.consolidate(params, {f2.clone()});
    EXPECT_EQ(ewc.terms(), 1u);
    {
        torch::NoGradGuard no_grad;
        params[0].add_(torch::randn({6}));
    }
    ewc.penalty(params).backward();
    const auto want = 2.0 * (0.5 * f1 + f2) * (params[0].detach() - anchor2);
    EXPECT_TRUE(torch::allclose(params[0].grad(), want, 1e-5, 1e-6));
    params[0].mutable_grad().zero_();
    ewc.add_gradient(params, 1.0);
    EXPECT_TRUE(torch::allclose(params[0].grad(), want, 1e-5, 1e-5));
}

TEST(Continual, LambdaZeroReproducesFineTuningExactly) {
    const auto ds = toy_data(384, 128);
    ContinualSpec s;
    s.tasks = 3;
    s.hidden = {24};
    s.batch_size = 32;
    s.epochs_per_task = 2;
    s.fisher_samples = 16;
    s.lr = 0.05;
    s.lambda = 0.0;
    const auto tasks = continual::make_tasks(s, ds);
    auto ewc_model = continual::make_start_model(s), ft_model = continual::make_start_model(s);
    const auto ewc = continual::run_method(s, tasks, ds, continual::Method::Ewc, *ewc_model, nullptr);
    const auto ft = continual::run_method(s, tasks, ds, continual::Method::Finetune, *ft_model, nullptr);
    EXPECT_EQ(ewc.accuracy_matrix, ft.accuracy_matrix);
    const auto a = ewc_model->parameters(), b = ft_model->parameters();
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], b[i])) << i;
    // Not vacuous: with a penalty the weights move elsewhere.
    s.lambda = 1000.0;
    auto strong = continual::make_start_model(s);
    continual::run_method(s, tasks, ds, continual::Method::Ewc, *strong, nullptr);
    EXPECT_FALSE(torch::equal(strong->parameters()[0], b[0]));
}

TEST(Continual, AccuracyMatrixMetricsOnAConstructedMatrix) {
    const std::vector<std::vector<double>> R{{0.9, 0.1, 0.1}, {0.6, 0.8, 0.2}, {0.5, 0.7, 0.85}};
    const ContinualMetrics m = summarize(R);
    EXPECT_NEAR(m.average_accuracy, (0.5 + 0.7 + 0.85) / 3, 1e-12);
    EXPECT_NEAR(m.just_trained_average, (0.9 + 0.8 + 0.85) / 3, 1e-12);
    EXPECT_NEAR(m.retention, (0.5 + 0.7 + 0.85) / (0.9 + 0.8 + 0.85), 1e-12);
    EXPECT_NEAR(m.backward_transfer, ((0.5 - 0.9) + (0.7 - 0.8)) / 2, 1e-12);
    ASSERT_EQ(m.forgetting.size(), 2u);
    EXPECT_NEAR(m.forgetting[0], 0.9 - 0.5, 1e-12);
    EXPECT_NEAR(m.forgetting[1], 0.8 - 0.7, 1e-12);
    // Forgetting is measured from the best accuracy a task ever had, not the first.
    const ContinualMetrics late = summarize({{0.5, 0.0, 0.0}, {0.7, 0.9, 0.0}, {0.6, 0.9, 0.8}});
    EXPECT_NEAR(late.forgetting[0], 0.1, 1e-12);
    EXPECT_NEAR(late.forgetting[1], 0.0, 1e-12);
    EXPECT_THROW(summarize({{1.0, 0.5}}), ConfigError);
    EXPECT_THROW(summarize({}), ConfigError);
}

TEST(Continual, TaskSequences) {
    const auto ds = toy_data(300, 100);
    ContinualSpec s;
    s.tasks = 4;
    const auto a = continual::make_tasks(s, ds), b = continual::make_tasks(s, ds);
    ASSERT_EQ(a.size(), 4);
    EXPECT_TRUE(torch::equal(a.perms[0], torch::arange(784, torch::kInt64)));  // task 0 unpermuted
    for (int k = 1; k < 4; ++k) {
        EXPECT_TRUE(torch::equal(std::get<0>(a.perms[k].sort()), torch::arange(784, torch::kInt64)));
        EXPECT_FALSE(torch::equal(a.perms[k], a.perms[0]));
    }
    EXPECT_TRUE(torch::equal(a.perms, b.perms));  // seeded: the same tasks every time
    EXPECT_TRUE(a.masks.all().item<bool>());
    // A batch of task 2 is the images with task 2's pixel order.
    const auto rows = torch::arange(5, torch::kInt64);
    const auto batch = continual::make_batch(a, ds.train, torch::full({5}, 2, torch::kInt64), rows);
    const auto raw = ds.train.images.narrow(0, 0, 5) * data::kPixelStd + data::kPixelMean;
    EXPECT_TRUE(torch::allclose(batch.x, raw.index_select(1, a.perms[2])));

    s.scenario = "split-task";
    s.tasks = 5;
    const auto split = continual::make_tasks(s, ds);
    for (int k = 0; k < 5; ++k) {
        const auto labels = ds.train.labels.index_select(0, split.train_rows[std::size_t(k)]);
        EXPECT_TRUE(labels.eq(2 * k).logical_or(labels.eq(2 * k + 1)).all().item<bool>()) << k;
        EXPECT_EQ(split.masks[k].sum().item<std::int64_t>(), 2);
        EXPECT_TRUE(split.masks[k][2 * k].item<bool>());
    }
    s.scenario = "split-class";
    EXPECT_TRUE(continual::make_tasks(s, ds).masks.all().item<bool>());
}

TEST(Continual, SpecValidationAndPresets) {
    ContinualSpec s;
    EXPECT_NO_THROW(validate(s));
    EXPECT_THROW(apply_json(s, R"({"lambda": -1})", "test"), ConfigError);
    // Each field is checked as it is applied; the rules between fields when the spec is validated.
    ContinualSpec split;
    apply_json(split, R"({"scenario": "split-task", "tasks": 6})", "test");
    EXPECT_THROW(validate(split), ConfigError);
    EXPECT_THROW(apply_json(s, R"({"no_such_field": 1})", "test"), ConfigError);
    EXPECT_THROW(apply_json(s, R"({"tasks": "ten"})", "test"), ConfigError);
    EXPECT_THROW(apply_json(s, R"({"kind": "train"})", "test"), ConfigError);
    ContinualSpec t;
    apply_json(t, R"({"lambdas": [0, 5, 50], "lambda": 7})", "test");
    EXPECT_EQ(t.lambda_for(1), 5.0);
    EXPECT_EQ(t.lambda_for(9), 7.0);
    const ContinualSpec p = load_continual_preset("permuted-fashion");
    EXPECT_EQ(p.scenario, "permuted");
    EXPECT_EQ(p.tasks, 10);
    EXPECT_THROW(load_continual_preset("no-such-preset"), ConfigError);
    ContinualSpec round;
    apply_json(round, to_json(p), "round trip");
    EXPECT_EQ(to_json(round), to_json(p));
}

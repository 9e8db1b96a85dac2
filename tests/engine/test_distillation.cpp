// Distillation, each stage on its own: the hint loss falls on a fixed batch, logit
// distillation from an identical teacher changes nothing, and the adaptive weight moves in
// the documented direction.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "distill/distill_job.h"
#include "models/models.h"
#include "quant/hooked.h"
#include "sparq/engine/errors.h"

using namespace sparq::engine;
namespace F = torch::nn::functional;


TEST(Distillation, StageOneLowersTheHintLossOnAFixedBatch) {
    torch::manual_seed(1);
    models::MlpImpl student(784, {32}, 10);
    torch::nn::Linear proj(32, 16);
    const auto x = torch::randn({64, 784});
    const auto target = torch::relu(torch::randn({64, 16}));  // a teacher feature
    std::vector<torch::Tensor> params = student.parameters();
    for (const auto& p : proj->parameters()) params.push_back(p);
    torch::optim::Adam opt(params, torch::optim::AdamOptions(1e-2));
    for (const std::string kind : {"mse", "cosine"}) {
        double first = 0, last = 0;
        for (int step = 0; step < 60; ++step) {
            opt.zero_grad();
            quant::PointHook hook(1);
            quant::forward_hooked(student, x, hook);
            const auto loss = distill::hint_loss(proj->forward(hook.value), target, kind);
            if (step == 0) first = loss.item<double>();
            last = loss.item<double>();
            loss.backward();
            opt.step();
        }
        EXPECT_LT(last, 0.5 * first) << kind << ": " << first << " -> " << last;
    }
}

TEST(Distillation, StageTwoWithAlphaOneAndAnIdenticalStudentReproducesTheTeacher) {
    torch::manual_seed(2);
    models::MlpImpl teacher(784, {32}, 10), student(784, {32}, 10);
    {
        torch::NoGradGuard no_grad;
        const auto tp = teacher.parameters(), sp = student.parameters();
        for (std::size_t i = 0; i < tp.size(); ++i) sp[i].copy_(tp[i]);
    }
    const auto x = torch::randn({128, 784});
    const auto t_logits = teacher.forward(x).detach();
    ASSERT_TRUE(torch::equal(student.forward(x), t_logits)) << (student.forward(x) - t_logits).abs().max().item<double>();
    // SGD: Adam would turn the float-rounding residue of a zero gradient (~1e-9) into
    // full-size steps, since it divides by the gradient's own magnitude.
    torch::optim::SGD opt(student.parameters(), torch::optim::SGDOptions(0.1));
    for (int step = 0; step < 10; ++step) {
        opt.zero_grad();
        const auto kd = distill::kd_per_sample(student.forward(x), t_logits, 4.0);
        EXPECT_LT(kd.abs().max().item<double>(), 1e-5);
        kd.mean().backward();  // alpha = 1: the distillation term alone
        for (const auto& p : student.parameters()) EXPECT_LT(p.grad().abs().max().item<double>(), 1e-6);
        opt.step();
    }
    EXPECT_TRUE(torch::allclose(student.forward(x), t_logits, 1e-5, 1e-5));
    // And a different student is pulled towards the teacher.
    torch::manual_seed(3);
    models::MlpImpl other(784, {32}, 10);
    torch::optim::Adam opt2(other.parameters(), torch::optim::AdamOptions(1e-2));
    const double before = distill::kd_per_sample(other.forward(x), t_logits, 4.0).mean().item<double>();
    for (int step = 0; step < 50; ++step) {
        opt2.zero_grad();
        distill::kd_per_sample(other.forward(x), t_logits, 4.0).mean().backward();
        opt2.step();
    }
    EXPECT_LT(distill::kd_per_sample(other.forward(x), t_logits, 4.0).mean().item<double>(), 0.2 * before);
}

TEST(Distillation, AdaptiveWeightMovesInTheDocumentedDirection) {
    // Four labelled samples of class 0 and one unlabelled one.
    const auto labels = torch::tensor({0, 0, 0, 0, 0}, torch::kLong);
    const auto labelled = torch::tensor({true, true, true, true, false});
    // Teacher: confident right, unsure right, confident wrong, confident right, (unlabelled).
    const auto t = torch::tensor({{8.f, 0.f, 0.f}, {1.f, 0.5f, 0.f}, {0.f, 8.f, 0.f}, {8.f, 0.f, 0.f}, {0.f, 0.f, 3.f}});
    // Student: disagrees, disagrees, -, agrees with the teacher, -.
    const auto s = torch::tensor({{0.f, 1.f, 0.f}, {0.f, 1.f, 0.f}, {0.f, 1.f, 0.f}, {1.f, 0.f, 0.f}, {1.f, 0.f, 0.f}});
    const auto a = distill::adaptive_alpha(t, s, labels, labelled, 0.5);
    const auto conf0 = torch::softmax(t[0], 0).max().item<float>();
    EXPECT_NEAR(a[0].item<float>(), conf0, 1e-6);                 // confident and right: high
    EXPECT_LT(a[1].item<float>(), a[0].item<float>());            // less confident: lower
    EXPECT_EQ(a[2].item<float>(), 0.f);                           // teacher contradicts the label
    EXPECT_NEAR(a[3].item<float>(), 0.5f * conf0, 1e-6);          // student already agrees: halved
    EXPECT_EQ(a[4].item<float>(), 1.f);                           // unlabelled: the teacher only
}

TEST(Distillation, SpecValidationNamesTheField) {
    DistillSpec s;
    s.alpha = 1.5;
    try {
        validate(s);
        FAIL() << "accepted alpha 1.5";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("alpha"), std::string::npos);
    }
    DistillSpec j;
    EXPECT_THROW(apply_json(j, R"({"alpha": 0.3, "bogus": 1})", "cfg.json"), ConfigError);
    apply_json(j, R"({"alpha": 0.3, "labelled": 5000, "hint_loss": "cosine"})", "cfg.json");
    EXPECT_DOUBLE_EQ(j.alpha, 0.3);
    EXPECT_EQ(j.labelled, 5000);
    EXPECT_EQ(j.hint_loss, "cosine");
}

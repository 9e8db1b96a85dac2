#include "distill/distill_job.h"

#include <ATen/Parallel.h>
#include <torch/nn/functional/distance.h>
#include <torch/nn/functional/loss.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/adam.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>

#include "data/fashion_mnist.h"
#include "models/models.h"
#include "quant/hooked.h"
#include "sparq/engine/errors.h"
#include "train/checkpoint.h"
#include "train/trainer.h"

namespace sparq::engine::distill {

namespace F = torch::nn::functional;
using Clock = std::chrono::steady_clock;

namespace {

int resolve_point(models::ClassifierImpl& m, int requested) {
    const int points = int(quant::layer_views(m).size());  // input + one per hidden layer
    const int p = requested < 0 ? points - 1 : requested;
    if (p < 1 || p >= points) throw ConfigError("distill: hint point " + std::to_string(requested) + " is not a hidden layer");
    return p;
}

struct Teacher {
    std::shared_ptr<models::ClassifierImpl> model;
    torch::Tensor logits, features;  // cached over the training set
    double accuracy = 0;
    std::int64_t params = 0;
};

// Series of one student run: "distill/<what>" (a baseline adds its name as a prefix).
struct Series {
    Series(profiler::MetricBus& bus, const std::string& prefix)
        : hint(bus.series().intern(prefix + "distill/hint_loss")), kd(bus.series().intern(prefix + "distill/kd_loss")),
          ce(bus.series().intern(prefix + "distill/ce_loss")), alpha(bus.series().intern(prefix + "distill/alpha")),
          temperature(bus.series().intern(prefix + "distill/temperature")),
          agreement(bus.series().intern(prefix + "distill/agreement")),
          accuracy(bus.series().intern(prefix + "distill/student_accuracy")),
          stage(bus.series().intern(prefix + "distill/stage")) {}
    profiler::SeriesId hint, kd, ce, alpha, temperature, agreement, accuracy, stage;
};

enum class Plan { ThreeStages, LogitOnly, LabelsOnly };

struct Context {
    const DistillSpec& spec;
    JobContext& job;
    const data::FashionMnist& ds;
    const Teacher& teacher;
    std::int64_t labelled;
    std::int64_t steps_total;
};

// One student trained by `plan` for exactly ctx.steps_total optimizer steps; its progress spans
// [from, to] of the job.
double train_student(const Context& c, Plan plan, std::uint64_t seed, const std::string& prefix, const std::string& stage_text,
                     double from, double to) {
    const DistillSpec& s = c.spec;
    TrainSpec sspec = load_preset(s.student_preset);
    torch::manual_seed(seed);
    auto student = models::make_model(sspec);
    const int s_point = resolve_point(*student, s.hint_student_point);
    const auto views = quant::layer_views(*student);
    const std::int64_t s_width = views[s_point - 1].weight.size(0);
    torch::nn::Linear proj(s_width, c.teacher.features.size(1));
    std::vector<torch::Tensor> params = student->parameters();
    for (const auto& p : proj->parameters()) params.push_back(p);
    torch::optim::Adam opt(params, torch::optim::AdamOptions(sspec.lr));

    const Series ids(c.job.bus, prefix);
    profiler::Producer out = c.job.bus.make_producer();
    const auto& train = c.ds.train;
    const std::int64_t full = train.size();
    const std::int64_t n = plan == Plan::LabelsOnly ? c.labelled : full;
    const std::int64_t batch = sspec.batch_size, per_epoch = (n + batch - 1) / batch;
    const std::int64_t full_epoch = (full + batch - 1) / batch;
    const std::int64_t s1 = plan == Plan::ThreeStages ? s.stage1_epochs * full_epoch : 0;
    const std::int64_t s3_from = plan == Plan::ThreeStages ? c.steps_total - s.stage3_epochs * full_epoch : c.steps_total;
    const double T = s.temperature;
    torch::Tensor perm;
    int stage = 0;
    StepProgress progress(c.job, stage_text, 1, c.steps_total, from, to);
    for (std::int64_t step = 0; step < c.steps_total; ++step) {
        if (progress.stop()) break;
        if (step % per_epoch == 0) {
            auto gen = at::detail::createCPUGenerator(seed * 1000003ull + std::uint64_t(step / per_epoch));
            perm = torch::randperm(n, gen, torch::kInt64);
            if (step > 0) out.publish(c.job.run, ids.accuracy, step, train::evaluate(*student, c.ds.test, s.limit_test).accuracy);
            student->train();
        }
        const int now = plan == Plan::LabelsOnly ? 0 : step < s1 ? 1 : step < s3_from ? 2 : 3;
        if (now != stage) {
            stage = now;
            out.publish(c.job.run, ids.stage, step, stage);
        }
        const std::int64_t at = (step % per_epoch) * batch;
        const auto idx = perm.narrow(0, at, std::min(batch, n - at));
        const auto x = train.images.index_select(0, idx);
        const auto y = train.labels.index_select(0, idx);
        const auto is_lab = idx.lt(c.labelled);
        opt.zero_grad();
        quant::PointHook hook(s_point);
        const auto logits = quant::forward_hooked(*student, x, hook);
        torch::Tensor loss;
        if (plan == Plan::LabelsOnly) {
            loss = F::cross_entropy(logits, y);
            out.publish(c.job.run, ids.ce, step, loss.item<double>());
        } else if (stage == 1) {
            loss = hint_loss(proj->forward(hook.value), c.teacher.features.index_select(0, idx), s.hint_loss);
            out.publish(c.job.run, ids.hint, step, loss.item<double>());
        } else {
            const auto t_logits = c.teacher.logits.index_select(0, idx);
            const auto kd = kd_per_sample(logits, t_logits, T);
            const auto ce = F::cross_entropy(logits, y, F::CrossEntropyFuncOptions().reduction(torch::kNone));
            const auto lab = is_lab.to(torch::kFloat32);
            const double n_lab = std::max(1.0, lab.sum().item<double>());
            torch::Tensor alpha;
            if (stage == 2) {
                alpha = torch::full({x.size(0)}, s.alpha);
                loss = s.alpha * kd.mean() + (1.0 - s.alpha) * (ce * lab).sum() / n_lab;
            } else {
                alpha = adaptive_alpha(t_logits, logits, y, is_lab, s.agreement_discount);
                loss = (alpha * kd).mean() + ((1.0 - alpha) * ce * lab).sum() / n_lab;
            }
            out.publish(c.job.run, ids.kd, step, kd.mean().item<double>());
            out.publish(c.job.run, ids.ce, step, ((ce * lab).sum() / n_lab).item<double>());
            out.publish(c.job.run, ids.alpha, step, alpha.mean().item<double>());
            out.publish(c.job.run, ids.temperature, step, T);
            out.publish(c.job.run, ids.agreement, step,
                        logits.argmax(1).eq(t_logits.argmax(1)).to(torch::kFloat64).mean().item<double>());
        }
        loss.backward();
        opt.step();
        progress.step_done(loss.item<double>(), x.size(0));
    }
    const double acc = train::evaluate(*student, c.ds.test, s.limit_test).accuracy;
    out.publish(c.job.run, ids.accuracy, c.steps_total, acc);
    return acc;
}

// The teacher's training (when it is trained here) is the first fifth of the job.
constexpr double kTeacherShare = 0.2;

Teacher load_teacher(const DistillSpec& s, JobContext& ctx, const data::FashionMnist& ds) {
    std::string ckpt = s.teacher_checkpoint;
    if (ckpt.empty()) {
        TrainSpec t = load_preset(s.teacher_preset);
        t.epochs = s.teacher_epochs;
        t.threads = s.threads;
        t.data_dir = s.data_dir;
        ctx.log("info", "training the teacher " + s.teacher_preset + " first");
        const TrainResult r = train::run_training(t, ctx, 0.0, kTeacherShare);
        if (r.status != JobStatus::Completed) throw ConfigError("distill: the teacher's training did not complete");
        ckpt = r.checkpoint;
    }
    Teacher teacher;
    const TrainSpec tspec = train::checkpoint_spec(ckpt);
    teacher.model = models::make_model(tspec);
    torch::optim::Adam unused(teacher.model->parameters());
    train::load_checkpoint(ckpt, *teacher.model, unused);
    teacher.model->eval();
    teacher.params = models::parameter_count(*teacher.model);
    teacher.accuracy = train::evaluate(*teacher.model, ds.test, s.limit_test).accuracy;
    teacher.model->eval();
    // Frozen: its outputs and hint features are computed once per training image.
    torch::NoGradGuard no_grad;
    const int point = resolve_point(*teacher.model, s.hint_teacher_point);
    std::vector<torch::Tensor> logits, feats;
    for (std::int64_t i = 0; i < ds.train.size(); i += 1000) {
        quant::PointHook hook(point);
        const auto x = ds.train.images.narrow(0, i, std::min<std::int64_t>(1000, ds.train.size() - i));
        logits.push_back(quant::forward_hooked(*teacher.model, x, hook));
        feats.push_back(hook.value.flatten(1).clone());
    }
    teacher.logits = torch::cat(logits);
    teacher.features = torch::cat(feats);
    return teacher;
}

std::pair<double, double> mean_std(const std::vector<double>& v) {
    double m = 0, q = 0;
    for (double x : v) m += x;
    m /= double(v.size());
    for (double x : v) q += (x - m) * (x - m);
    return {m, v.size() > 1 ? std::sqrt(q / double(v.size() - 1)) : 0.0};
}

}  // namespace

torch::Tensor hint_loss(const torch::Tensor& mapped, const torch::Tensor& target, const std::string& kind) {
    if (kind == "cosine")
        return (1.0 - F::cosine_similarity(mapped, target, F::CosineSimilarityFuncOptions().dim(1))).mean();
    return F::mse_loss(mapped, target);
}

torch::Tensor kd_per_sample(const torch::Tensor& s_logits, const torch::Tensor& t_logits, double T) {
    const auto t_log = torch::log_softmax(t_logits / T, 1);
    return (t_log.exp() * (t_log - torch::log_softmax(s_logits / T, 1))).sum(1) * (T * T);
}

torch::Tensor adaptive_alpha(const torch::Tensor& t_logits, const torch::Tensor& s_logits, const torch::Tensor& labels,
                             const torch::Tensor& is_labelled, double discount) {
    const auto conf = std::get<0>(torch::softmax(t_logits, 1).max(1));
    const auto t_pred = t_logits.argmax(1);
    const auto agree = s_logits.detach().argmax(1).eq(t_pred).to(torch::kFloat32);
    const auto right = t_pred.eq(labels).to(torch::kFloat32);
    const auto lab = conf * (1.0 - discount * agree) * right;
    return torch::where(is_labelled, lab, torch::ones_like(lab));
}

DistillResult run_distill(const DistillSpec& s, JobContext& ctx) {
    validate(s);
    const auto t0 = Clock::now();
    at::set_num_threads(s.threads);
    const auto ds = data::load_fashion_mnist(s.data_dir.empty() ? default_data_dir() : s.data_dir);
    DistillResult r;
    r.run_id = ctx.run;
    r.device = ctx.device.name;
    r.seeds = s.seeds;
    const Teacher teacher = load_teacher(s, ctx, *ds);
    r.teacher_accuracy = teacher.accuracy;
    r.teacher_params = teacher.params;
    r.student_params = models::parameter_count(*models::make_model(load_preset(s.student_preset)));
    r.labelled = std::min<std::int64_t>(s.labelled, ds->train.size());
    const std::int64_t batch = load_preset(s.student_preset).batch_size;
    const std::int64_t per_epoch = (ds->train.size() + batch - 1) / batch;
    r.steps = (s.stage1_epochs + s.stage2_epochs + s.stage3_epochs) * per_epoch;
    const Context c{s, ctx, *ds, teacher, r.labelled, r.steps};

    // Each student an equal share of what the teacher leaves of the job.
    const double begin = s.teacher_checkpoint.empty() ? kTeacherShare : 0.0;
    const int students = s.seeds * (s.baselines ? 3 : 1);
    int trained = 0;
    auto student = [&](Plan plan, std::uint64_t seed, const std::string& prefix, const std::string& what) {
        const double share = (1.0 - begin) / double(students), from = begin + share * trained++;
        return train_student(c, plan, seed, prefix, "seed " + std::to_string(seed) + ": " + what, from, from + share);
    };
    std::vector<double> three, logit, alone;
    for (int k = 0; k < s.seeds; ++k) {
        const std::uint64_t seed = 1 + std::uint64_t(k);
        ctx.log("info", "seed " + std::to_string(seed) + ": three-stage student");
        three.push_back(student(Plan::ThreeStages, seed, "", "three-stage student"));
        if (s.baselines && !ctx.cancel_requested()) {
            ctx.log("info", "seed " + std::to_string(seed) + ": logit-only and label-only baselines");
            logit.push_back(student(Plan::LogitOnly, seed, "logit_only/", "logit-only baseline"));
            alone.push_back(student(Plan::LabelsOnly, seed, "alone/", "labels-only baseline"));
        }
        if (ctx.cancel_requested()) {
            r.status = "cancelled";
            return r;
        }
    }
    std::tie(r.student_accuracy, r.student_accuracy_std) = mean_std(three);
    if (!logit.empty()) {
        std::tie(r.logit_only_accuracy, r.logit_only_accuracy_std) = mean_std(logit);
        std::tie(r.student_alone_accuracy, r.student_alone_accuracy_std) = mean_std(alone);
        const double gap = r.teacher_accuracy - r.student_alone_accuracy;
        r.gap_recovered = gap != 0 ? (r.student_accuracy - r.student_alone_accuracy) / gap : 0.0;
    }
    r.ratio = r.teacher_accuracy > 0 ? r.student_accuracy / r.teacher_accuracy : 0;
    r.status = "completed";
    r.wall_s = std::chrono::duration<double>(Clock::now() - t0).count();
    return r;
}

}  // namespace sparq::engine::distill

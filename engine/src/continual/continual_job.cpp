#include "continual/continual_job.h"

#include <ATen/Parallel.h>
#include <torch/nn/functional/loss.h>
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>
#include <unordered_map>

#include "continual/ewc.h"
#include "sparq/engine/errors.h"
#include "train/trainer.h"

// Series of a continual run, <m> = ewc | finetune | joint:
//   continual/<m>/task                  the task index, at the method's step where it starts
//   continual/<m>/loss                  task loss per step; continual/ewc/penalty = lambda * penalty
//   continual/<m>/accuracy/task<j>      accuracy on task j after every epoch (x = step)
//   continual/<m>/matrix/task<j>        R[i][j], x = i: the accuracy matrix row by row
//   continual/<m>/average_accuracy      mean_{j<=i} R[i][j], x = i
//   continual/ewc/fisher/<parameter>    mean diagonal Fisher of a parameter after task i, x = i

namespace sparq::engine::continual {

namespace F = torch::nn::functional;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::int64_t kPixels = 784;
constexpr std::int64_t kClasses = 10;
constexpr std::int64_t kPenaltyEvery = 10;  // steps between samples of the penalty's value

torch::Tensor first_rows(torch::Tensor rows, std::int64_t limit) {
    return limit > 0 && limit < rows.size(0) ? rows.narrow(0, 0, limit) : rows;
}

// Where one method's series and progress go: the job's bus and sink, or nowhere (tests).
// Progress counts epochs: one epoch of one task of one method, `steps` steps each, the
// method's epochs spanning [from, to] of the job.
class Progress {
public:
    Progress(JobContext* ctx, Method m, int epochs, std::int64_t steps, double from, double to)
        : ctx_(ctx), prefix_(std::string("continual/") + to_string(m) + "/") {
        if (!ctx_) return;
        out_ = ctx_->bus.make_producer();
        steps_.emplace(*ctx_, std::string(to_string(m)), epochs, steps, from, to);
    }
    bool stop() { return steps_ && steps_->stop(); }
    void put(const std::string& name, std::int64_t x, double v) {
        if (!ctx_) return;
        auto it = ids_.find(name);
        if (it == ids_.end()) it = ids_.emplace(name, ctx_->bus.series().intern(prefix_ + name)).first;
        out_.publish(ctx_->run, it->second, x, v);
    }
    void step_done(double loss, std::int64_t samples) {
        if (steps_) steps_->step_done(loss, samples);
    }
    void epoch_done() {
        if (steps_) steps_->next_epoch();
    }
    void log(const std::string& msg) {
        if (ctx_) ctx_->log("info", msg);
    }

private:
    JobContext* ctx_;
    std::string prefix_;
    profiler::Producer out_;
    std::optional<StepProgress> steps_;
    std::unordered_map<std::string, profiler::SeriesId> ids_;
};

}  // namespace

const char* to_string(Method m) {
    switch (m) {
        case Method::Ewc: return "ewc";
        case Method::Finetune: return "finetune";
        case Method::Joint: return "joint";
    }
    return "?";
}

TaskSet make_tasks(const ContinualSpec& s, const data::FashionMnist& ds) {
    TaskSet t;
    const auto identity = torch::arange(kPixels, torch::kInt64);
    std::vector<torch::Tensor> perms;
    auto masks = torch::ones({s.tasks, kClasses}, torch::kBool);
    for (int k = 0; k < s.tasks; ++k) {
        if (s.scenario == "permuted") {
            auto gen = at::detail::createCPUGenerator(s.task_seed * 1000003ull + std::uint64_t(k));
            perms.push_back(k == 0 ? identity : torch::randperm(kPixels, gen, torch::kInt64));
            t.train_rows.push_back(first_rows(torch::arange(ds.train.size(), torch::kInt64), s.limit_train));
            t.test_rows.push_back(first_rows(torch::arange(ds.test.size(), torch::kInt64), s.limit_test));
            continue;
        }
        perms.push_back(identity);
        auto rows_of = [&](const data::Split& split) {
            return torch::nonzero(split.labels.eq(2 * k).logical_or(split.labels.eq(2 * k + 1))).flatten();
        };
        t.train_rows.push_back(first_rows(rows_of(ds.train), s.limit_train));
        t.test_rows.push_back(first_rows(rows_of(ds.test), s.limit_test));
        if (s.scenario == "split-task") {
            masks[k].fill_(false);
            masks[k][2 * k] = true;
            masks[k][2 * k + 1] = true;
        }
    }
    t.perms = torch::stack(perms);
    t.masks = masks;
    for (int k = 0; k < s.tasks; ++k)
        if (t.train_rows[std::size_t(k)].size(0) == 0 || t.test_rows[std::size_t(k)].size(0) == 0)
            throw DataError("continual: task " + std::to_string(k) + " has no images in this data set");
    return t;
}

Batch make_batch(const TaskSet& tasks, const data::Split& split, const torch::Tensor& task_of,
                 const torch::Tensor& rows) {
    Batch b;
    // Raw [0, 1] pixels: a pixel that is background in a task is 0 there and leaves its
    // first-layer weights alone, which is what lets permuted tasks share the layer (with the
    // normalised images the background is -0.81 and every task pulls on every weight).
    b.x = split.images.index_select(0, rows)
              .gather(1, tasks.perms.index_select(0, task_of))
              .mul_(data::kPixelStd)
              .add_(data::kPixelMean);
    b.y = split.labels.index_select(0, rows);
    b.mask = tasks.masks.index_select(0, task_of);
    return b;
}

torch::Tensor masked_logits(models::ClassifierImpl& model, const torch::Tensor& x, const torch::Tensor& mask) {
    return model.forward(x).masked_fill(mask.logical_not(), -std::numeric_limits<float>::infinity());
}

double task_accuracy(models::ClassifierImpl& model, const TaskSet& tasks, const data::Split& test, int task,
                     std::int64_t limit) {
    torch::NoGradGuard no_grad;
    model.eval();
    const auto rows = first_rows(tasks.test_rows[std::size_t(task)], limit);
    const std::int64_t n = rows.size(0);
    std::int64_t correct = 0;
    for (std::int64_t i = 0; i < n; i += 1000) {
        const auto r = rows.narrow(0, i, std::min<std::int64_t>(1000, n - i));
        const Batch b = make_batch(tasks, test, torch::full({r.size(0)}, task, torch::kInt64), r);
        correct += masked_logits(model, b.x, b.mask).argmax(1).eq(b.y).sum().item<std::int64_t>();
    }
    model.train();
    return double(correct) / double(std::max<std::int64_t>(n, 1));
}

std::shared_ptr<models::ClassifierImpl> make_start_model(const ContinualSpec& s) {
    TrainSpec m;
    m.model = "mlp";
    m.hidden = s.hidden;
    torch::manual_seed(s.seed);
    return models::make_model(m);
}

namespace {

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const ContinualSpec& s, models::ClassifierImpl& model) {
    TrainSpec o;
    o.optimizer = s.optimizer;
    o.lr = s.lr;
    o.momentum = s.momentum;
    return train::make_optimizer(o, model);
}

// EWC's step after task t: estimate the Fisher on the task's first images and anchor the
// weights to it.
void consolidate(const ContinualSpec& s, const TaskSet& tasks, const data::Split& train, int t,
                 models::ClassifierImpl& model, Ewc& ewc, Progress& pg, std::vector<FisherSummary>* out) {
    const auto rows = first_rows(tasks.train_rows[std::size_t(t)], s.fisher_samples);
    const Batch b = make_batch(tasks, train, torch::full({rows.size(0)}, t, torch::kInt64), rows);
    const auto mask = tasks.masks[t].unsqueeze(0);
    const FisherKind kind = s.fisher == "true" ? FisherKind::True : FisherKind::Empirical;
    const auto t0 = Clock::now();
    model.eval();
    auto* mlp = dynamic_cast<models::MlpImpl*>(&model);
    const auto fisher =
        mlp ? mlp_fisher_diagonal(*mlp, mask, b.x, b.y, kind)
            : fisher_diagonal([&](const torch::Tensor& x) { return masked_logits(model, x, mask); }, model.parameters(),
                              b.x, b.y, kind);
    model.train();
    pg.log("ewc: " + s.fisher + " Fisher of task " + std::to_string(t + 1) + " from " + std::to_string(rows.size(0)) +
           " images in " + std::to_string(std::chrono::duration<double>(Clock::now() - t0).count()) + " s");
    const auto named = model.named_parameters();
    for (std::size_t i = 0; i < named.size(); ++i) {
        FisherSummary f{t, named[i].key(), fisher[i].mean().item<double>(), fisher[i].max().item<double>()};
        pg.put("fisher/" + f.param, t, f.mean);
        if (out) out->push_back(f);
    }
    ewc.consolidate(model.parameters(), fisher);
}

}  // namespace

ContinualRun run_method(const ContinualSpec& s, const TaskSet& tasks, const data::FashionMnist& ds, Method method,
                        models::ClassifierImpl& model, JobContext* ctx, std::vector<FisherSummary>* fisher) {
    const auto t0 = Clock::now();
    const int T = tasks.size();
    // This method's share of the job: the methods run one after the other, in Method order.
    const int methods = s.baseline == "joint" ? 3 : s.baseline == "finetune" ? 2 : 1;
    const double share = 1.0 / double(methods), from = share * double(int(method));
    const std::int64_t steps = (tasks.train_rows.front().size(0) + s.batch_size - 1) / s.batch_size;
    Progress pg(ctx, method, T * s.epochs_per_task, steps, from, from + share);
    ContinualRun out;
    out.accuracy_matrix.assign(std::size_t(T), std::vector<double>(std::size_t(T), 0.0));
    const auto params = model.parameters();
    Ewc ewc(s.online_gamma);
    std::int64_t step = 0;
    model.train();
    for (int t = 0; t < T; ++t) {
        const double lambda = s.lambda_for(t);
        auto opt = make_optimizer(s, model);
        pg.put("task", step, t);
        // The rows batches come from: this task's, or (joint) every task's so far.
        std::vector<torch::Tensor> pool_task, pool_rows;
        for (int k = method == Method::Joint ? 0 : t; k <= t; ++k) {
            pool_rows.push_back(tasks.train_rows[std::size_t(k)]);
            pool_task.push_back(torch::full({pool_rows.back().size(0)}, k, torch::kInt64));
        }
        const auto all_task = torch::cat(pool_task), all_rows = torch::cat(pool_rows);
        const std::int64_t n = tasks.train_rows[std::size_t(t)].size(0);  // rows per epoch: the task's own count
        for (int e = 0; e < s.epochs_per_task; ++e) {
            auto gen = at::detail::createCPUGenerator(s.seed * 1000003ull + std::uint64_t(t) * 1009ull + std::uint64_t(e));
            const auto order = torch::randperm(all_rows.size(0), gen, torch::kInt64).narrow(0, 0, n);
            for (std::int64_t at = 0; at < n; at += s.batch_size) {
                if (pg.stop()) return out;
                const auto sel = order.narrow(0, at, std::min<std::int64_t>(s.batch_size, n - at));
                const Batch b = make_batch(tasks, ds.train, all_task.index_select(0, sel), all_rows.index_select(0, sel));
                opt->zero_grad();
                const auto loss = F::cross_entropy(masked_logits(model, b.x, b.mask), b.y);
                loss.backward();
                if (method == Method::Ewc && ewc.terms() > 0) {
                    // lambda = 0 still takes this path: it adds exact zeros, so the run
                    // equals fine-tuning bit for bit (tested).
                    ewc.add_gradient(params, lambda);
                    if (step % kPenaltyEvery == 0) {
                        torch::NoGradGuard no_grad;
                        pg.put("penalty", step, lambda * ewc.penalty(params).item<double>());
                    }
                }
                opt->step();
                const double l = loss.item<double>();
                if (!std::isfinite(l))
                    throw std::runtime_error(std::string("continual: ") + to_string(method) + " diverged on task " +
                                      std::to_string(t + 1) + " (the loss is " + std::to_string(l) +
                                      "); lower lambda or lr");
                pg.put("loss", step, l);
                pg.step_done(l, sel.size(0));
                ++step;
            }
            const bool last = e + 1 == s.epochs_per_task;
            // After every epoch: the tasks seen so far; after the task: all of them (R's row).
            for (int j = 0; j < (last ? T : t + 1); ++j) {
                const double acc = task_accuracy(model, tasks, ds.test, j, 0);
                if (j <= t) pg.put("accuracy/task" + std::to_string(j), step, acc);
                if (last) out.accuracy_matrix[std::size_t(t)][std::size_t(j)] = acc;
            }
            pg.epoch_done();
        }
        double seen = 0;
        for (int j = 0; j < T; ++j) {
            pg.put("matrix/task" + std::to_string(j), t, out.accuracy_matrix[std::size_t(t)][std::size_t(j)]);
            if (j <= t) seen += out.accuracy_matrix[std::size_t(t)][std::size_t(j)];
        }
        pg.put("average_accuracy", t, seen / double(t + 1));
        pg.log(std::string(to_string(method)) + ": task " + std::to_string(t + 1) + "/" + std::to_string(T) +
               " done, accuracy on it " + std::to_string(out.accuracy_matrix[std::size_t(t)][std::size_t(t)]) +
               ", mean over tasks so far " + std::to_string(seen / double(t + 1)));
        if (method == Method::Ewc) consolidate(s, tasks, ds.train, t, model, ewc, pg, fisher);
    }
    out.metrics = summarize(out.accuracy_matrix);
    out.wall_s = std::chrono::duration<double>(Clock::now() - t0).count();
    return out;
}

ContinualResult run_continual(const ContinualSpec& s, JobContext& ctx) {
    validate(s);
    const auto t0 = Clock::now();
    at::set_num_threads(s.threads);
    const auto ds = data::load_fashion_mnist(s.data_dir.empty() ? default_data_dir() : s.data_dir);
    const TaskSet tasks = make_tasks(s, *ds);
    ContinualResult r;
    r.run_id = ctx.run;
    r.device = ctx.device.name;
    r.scenario = s.scenario;
    r.tasks = tasks.size();
    r.lambda = s.lambda;
    r.online_gamma = s.online_gamma;
    auto run = [&](Method m, ContinualRun& into) {
        auto model = make_start_model(s);
        r.params = models::parameter_count(*model);
        into = run_method(s, tasks, *ds, m, *model, &ctx, m == Method::Ewc ? &r.fisher : nullptr);
        return !ctx.cancel_requested();
    };
    r.status = "cancelled";
    if (!run(Method::Ewc, r.ewc)) return r;
    if (s.baseline != "none") {
        r.has_finetune = true;
        if (!run(Method::Finetune, r.finetune)) return r;
    }
    if (s.baseline == "joint") {
        r.has_joint = true;
        if (!run(Method::Joint, r.joint)) return r;
    }
    r.status = "completed";
    r.wall_s = std::chrono::duration<double>(Clock::now() - t0).count();
    return r;
}

}  // namespace sparq::engine::continual

#include "train/trainer.h"

#include <ATen/Parallel.h>
#include <torch/nn/functional/loss.h>
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <optional>

#include "data/fashion_mnist.h"
#include "models/models.h"
#include "sparq/engine/engine.h"
#include "sparq/engine/errors.h"
#include "sparq/profiler/process_sampler.h"
#include "sparse/sparsity_stats.h"
#include "train/checkpoint.h"
#include "train/loss_scaler.h"
#include "train/precision.h"

namespace sparq::engine::train {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

EvalResult evaluate(models::ClassifierImpl& model, const data::Split& split, std::int64_t limit,
                    SparsityTally* tally) {
    torch::NoGradGuard no_grad;
    model.eval();
    model.set_probe(tally != nullptr);
    const std::int64_t n = limit > 0 ? std::min(limit, split.size()) : split.size();
    constexpr std::int64_t kBatch = 1000;
    // The model's device: the split stays where it was loaded, one batch at a time goes over.
    const auto params = model.parameters();
    const torch::Device device = params.empty() ? torch::Device(torch::kCPU) : params.front().device();
    double loss_sum = 0.0;
    std::int64_t correct = 0;
    for (std::int64_t i = 0; i < n; i += kBatch) {
        const std::int64_t len = std::min(kBatch, n - i);
        const auto x = split.images.narrow(0, i, len).to(device, /*non_blocking=*/true);
        const auto y = split.labels.narrow(0, i, len).to(device, /*non_blocking=*/true);
        const auto logits = model.forward(x);
        loss_sum += torch::nn::functional::cross_entropy(
                        logits, y,
                        torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                        .item<double>();
        correct += logits.argmax(1).eq(y).sum().item<std::int64_t>();
        if (tally) tally->add(model, len);
    }
    model.set_probe(false);
    model.train();
    return {loss_sum / double(n), double(correct) / double(n)};
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainSpec& spec,
                                                        torch::nn::Module& model) {
    if (spec.optimizer == "sgd")
        return std::make_unique<torch::optim::SGD>(
            model.parameters(), torch::optim::SGDOptions(spec.lr)
                                    .momentum(spec.momentum)
                                    .weight_decay(spec.weight_decay));
    return std::make_unique<torch::optim::Adam>(
        model.parameters(), torch::optim::AdamOptions(spec.lr).weight_decay(spec.weight_decay));
}

namespace {

// Series ids resolved once, before the hot loop.
struct TrainSeries {
    explicit TrainSeries(profiler::SeriesRegistry& r)
        : loss(r.intern(series::kTrainLoss)), train_acc(r.intern(series::kTrainAccuracy)),
          test_loss(r.intern(series::kTestLoss)), test_acc(r.intern(series::kTestAccuracy)),
          step_ms(r.intern(series::kStepMs)), samples_per_s(r.intern(series::kSamplesPerS)),
          epoch(r.intern(series::kEpoch)), loss_scale(r.intern(series::kLossScale)),
          skipped(r.intern(series::kSkippedSteps)) {}
    profiler::SeriesId loss, train_acc, test_loss, test_acc, step_ms, samples_per_s, epoch, loss_scale, skipped;
};

constexpr std::int64_t kGateStatsEvery = 10;  // steps between training-side gate samples

struct GateSeries {
    GateSeries(profiler::SeriesRegistry& r, models::ClassifierImpl& model)
        : balance(r.intern(series::kGateBalance)),
          active_param_fraction(r.intern(series::kActiveParamFraction)) {
        const auto gated = model.gated_layers();
        for (std::size_t l = 0; l < gated.size(); ++l) {
            train_active.push_back(r.intern(series::gated_series(int(l), "active_fraction")));
            std::vector<profiler::SeriesId> loads;
            for (int e = 0; e < gated[l]->shape().blocks; ++e)
                loads.push_back(r.intern(series::gated_series(int(l), "load/b" + std::to_string(e))));
            load.push_back(std::move(loads));
        }
        for (int i = 0; i < 8; ++i) relu_zero.push_back(r.intern(series::relu_zero_series(i)));
    }
    profiler::SeriesId balance, active_param_fraction;
    std::vector<profiler::SeriesId> train_active, relu_zero;
    std::vector<std::vector<profiler::SeriesId>> load;
};

// REINFORCE state: running mean and variance of the reward (the baseline and its scale).
struct RewardBaseline {
    double mean = 0.0, var = 1.0;
    bool primed = false;
};

// Task loss plus the gate's terms: load balance, active-fraction target (threshold mode), and
// for REINFORCE the policy-gradient term -A * log pi(routing), where the advantage A is the
// reward (negative per-sample task loss) minus its running mean, over its running standard
// deviation, so that the term's scale does not depend on the loss's. Returns {total, task}.
std::pair<torch::Tensor, torch::Tensor> gated_loss(const TrainSpec& spec,
                                                   const std::vector<models::GatedLinear>& gated,
                                                   const torch::Tensor& logits,
                                                   const torch::Tensor& y, RewardBaseline& rb) {
    const auto per_sample = torch::nn::functional::cross_entropy(
        logits, y, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
    const auto task = per_sample.mean();
    auto loss = task;
    torch::Tensor log_prob;
    for (const auto& g : gated) {
        const auto& st = g->stats();
        loss = loss + spec.balance_weight * st.balance + spec.sparsity_weight * st.sparsity;
        if (st.log_prob.defined()) log_prob = log_prob.defined() ? log_prob + st.log_prob : st.log_prob;
    }
    if (log_prob.defined()) {
        const auto reward = -per_sample.detach();
        const double batch_mean = reward.mean().item<double>();
        const double batch_var = reward.var().item<double>();
        if (!rb.primed) {
            rb.mean = batch_mean;
            rb.var = std::max(batch_var, 1e-6);
            rb.primed = true;
        }
        const auto advantage = (reward - rb.mean) / std::sqrt(rb.var + 1e-8);
        loss = loss - (advantage * log_prob).mean() / double(gated.size());
        rb.mean = 0.95 * rb.mean + 0.05 * batch_mean;
        rb.var = 0.95 * rb.var + 0.05 * std::max(batch_var, 1e-6);
    }
    return {loss, task};
}

void publish_sparsity(const TrainSpec& spec, const SparsityTally& tally, const GateSeries& ids,
                      JobContext& ctx, profiler::Producer& out, std::int64_t step) {
    const auto zeros = tally.relu_zero_fraction();
    for (std::size_t i = 0; i < zeros.size() && i < ids.relu_zero.size(); ++i)
        out.publish(ctx.run, ids.relu_zero[i], step, zeros[i]);
    const auto active = tally.layer_active_fraction();
    if (active.empty()) return;
    out.publish(ctx.run, ids.active_param_fraction, step, tally.active_param_fraction());
    const auto load = tally.layer_load();
    for (std::size_t l = 0; l < active.size(); ++l) {
        out.publish(ctx.run, ids.train_active[l], step, active[l]);
        for (std::size_t e = 0; e < load[l].size(); ++e) out.publish(ctx.run, ids.load[l][e], step, load[l][e]);
        if (std::abs(active[l] - spec.active_fraction) > spec.active_band) {
            char msg[200];
            std::snprintf(msg, sizeof msg,
                          "gated layer %zu: observed active fraction %.3f left the band %.3f +- %.3f",
                          l, active[l], spec.active_fraction, spec.active_band);
            ctx.sink.on_log("warning", msg);
            if (ctx.store) ctx.store->add_event(ctx.run, "warning", "alert", msg);
        }
    }
}

}  // namespace

TrainResult run_training(const TrainSpec& spec, JobContext& ctx, double from, double to) {
    const auto t_start = Clock::now();
    at::set_num_threads(spec.threads);
    torch::manual_seed(spec.seed);

    TrainResult result;
    result.run_id = ctx.run;
    result.device = ctx.device.name;
    const torch::Device device = ctx.torch_device();

    const std::string data_dir = spec.data_dir.empty() ? default_data_dir() : spec.data_dir;
    ctx.log("info", "loading Fashion-MNIST from " + data_dir);
    const auto ds = data::load_fashion_mnist(data_dir);
    const std::int64_t n_train =
        spec.limit_train > 0 ? std::min(spec.limit_train, ds->train.size()) : ds->train.size();
    // The training images go to the device once (60,000 x 784 floats: 188 MB); on the CPU
    // this is the loaded tensor itself.
    const auto train_x = ds->train.images.narrow(0, 0, n_train).to(device);
    const auto train_y = ds->train.labels.narrow(0, 0, n_train).to(device);

    auto model = models::make_model(spec);
    model->to(device);
    auto optimizer = make_optimizer(spec, *model);
    result.params = models::parameter_count(*model);

    int start_epoch = 0;
    std::int64_t global_step = 0;
    if (!spec.resume.empty()) {
        const CheckpointInfo info = load_checkpoint(spec.resume, *model, *optimizer);
        start_epoch = info.epoch;
        global_step = info.step;
        result.epochs = info.epoch;
        ctx.log("info", "resumed from " + spec.resume + " after epoch " + std::to_string(info.epoch));
        if (start_epoch >= spec.epochs)
            throw ConfigError("job: checkpoint " + spec.resume + " already completed " +
                              std::to_string(start_epoch) + " epochs; ask for more than that "
                              "with 'epochs'");
    }

    profiler::Producer out = ctx.bus.make_producer();
    const TrainSeries ids(ctx.bus.series());
    const std::string spec_json = to_json(spec);
    const std::string ckpt_path =
        ctx.run_dir.empty() ? std::string() : ctx.run_dir + "/checkpoint.pt";
    bool ckpt_registered = false;

    const auto gated = model->gated_layers();
    const GateSeries gate_ids(ctx.bus.series(), *model);
    RewardBaseline reward_baseline;
    result.dense_equivalent_params = result.params;

    const std::int64_t batch = spec.batch_size;
    const std::int64_t batches = (n_train + batch - 1) / batch;
    double step_seconds = 0.0;
    std::int64_t steps_timed = 0, samples_timed = 0;

    // Reduced precision: autocast around the forward pass, dynamic loss scaling when asked
    // (always for fp16). LibTorch's CPU autocast knows BF16 only.
    const at::ScalarType amp_dtype = precision_dtype(spec.precision);
    if (amp_dtype == at::kHalf)
        throw ConfigError("job: precision fp16 needs a CUDA device (LibTorch's CPU autocast has BF16 only); "
                          "use bf16 on the CPU");
    std::optional<LossScaler> scaler;
    if (spec.loss_scaling == "on" || (spec.loss_scaling == "auto" && amp_dtype == at::kHalf)) {
        LossScalerOptions so;
        so.initial = spec.loss_scale_init;
        so.interval = spec.loss_scale_interval;
        scaler.emplace(so);
    }
    const std::vector<torch::Tensor> params = model->parameters();

    // Epochs already done (a resumed run) count as done in the progress.
    StepProgress progress(ctx, "training " + spec.model, spec.epochs, batches, from, to);
    for (int e = 0; e < start_epoch; ++e) progress.next_epoch();
    model->train();
    for (int epoch = start_epoch; epoch < spec.epochs; ++epoch) {
        const auto t_epoch = Clock::now();
        // Shuffle order depends only on (seed, epoch), so a resumed run sees the same order.
        auto gen = at::detail::createCPUGenerator(spec.seed * 1000003ull + std::uint64_t(epoch));
        const auto perm = torch::randperm(n_train, gen, torch::kInt64).to(device);
        std::int64_t correct = 0;

        for (std::int64_t b = 0; b < batches; ++b) {
            if (progress.stop()) break;
            const std::int64_t len = std::min(batch, n_train - b * batch);
            const auto idx = perm.narrow(0, b * batch, len);
            const auto x = train_x.index_select(0, idx);
            const auto y = train_y.index_select(0, idx);

            optimizer->zero_grad();
            torch::Tensor logits;
            {
                AutocastScope amp(amp_dtype);
                logits = model->forward(x);
            }
            logits = logits.to(torch::kFloat32);
            torch::Tensor loss, task_loss;
            if (gated.empty()) {
                loss = task_loss = torch::nn::functional::cross_entropy(logits, y);
            } else {
                std::tie(loss, task_loss) = gated_loss(spec, gated, logits, y, reward_baseline);
            }
            if (scaler) {
                scaler->scale(loss).backward();
                scaler->step(*optimizer, params);
                out.publish(ctx.run, ids.loss_scale, global_step + 1, scaler->current());
                out.publish(ctx.run, ids.skipped, global_step + 1, double(scaler->skipped()));
            } else {
                loss.backward();
                optimizer->step();
            }

            // The step's one synchronisation: its loss and correct count, published below.
            const double loss_v = task_loss.item<double>();
            correct += logits.argmax(1).eq(y).sum().item<std::int64_t>();
            if (!std::isfinite(loss_v))
                throw ConfigError("job: training diverged (loss is " + std::to_string(loss_v) +
                                  " at step " + std::to_string(global_step) +
                                  "); lower 'lr' and try again");
            const double dt = progress.step_done(loss_v, len);
            step_seconds += dt;
            ++steps_timed;
            samples_timed += len;
            ++global_step;

            out.publish(ctx.run, ids.loss, global_step, loss_v);
            out.publish(ctx.run, ids.step_ms, global_step, dt * 1e3);
            out.publish(ctx.run, ids.samples_per_s, global_step, progress.samples_per_s());
            if (!gated.empty() && global_step % kGateStatsEvery == 0) {
                double balance = 0.0;
                for (std::size_t l = 0; l < gated.size(); ++l) {
                    const auto& st = gated[l]->stats();
                    out.publish(ctx.run, gate_ids.train_active[l], global_step,
                                st.kept.mean().item<double>() / gated[l]->shape().blocks);
                    balance += st.balance.item<double>();
                }
                out.publish(ctx.run, gate_ids.balance, global_step, balance / double(gated.size()));
            }
        }
        if (ctx.cancel_requested()) break;

        EpochReport rep;
        rep.run_id = ctx.run;
        rep.epoch = epoch + 1;
        rep.train_loss = progress.epoch_loss();
        rep.train_accuracy = double(correct) / double(std::max<std::int64_t>(1, progress.epoch_samples()));
        SparsityTally tally(*model);
        const EvalResult test = evaluate(*model, ds->test, spec.limit_test, &tally);
        publish_sparsity(spec, tally, gate_ids, ctx, out, global_step);
        result.active_param_fraction = tally.active_param_fraction();
        rep.test_loss = test.loss;
        rep.test_accuracy = test.accuracy;
        out.publish(ctx.run, ids.train_acc, global_step, rep.train_accuracy);
        out.publish(ctx.run, ids.test_loss, global_step, rep.test_loss);
        out.publish(ctx.run, ids.test_acc, global_step, rep.test_accuracy);
        out.publish(ctx.run, ids.epoch, global_step, double(epoch + 1));

        if (spec.checkpoint && !ckpt_path.empty()) {
            save_checkpoint(ckpt_path, *model, *optimizer, {epoch + 1, global_step, spec_json});
            rep.checkpoint = ckpt_path;
            result.checkpoint = ckpt_path;
            if (ctx.store && !ckpt_registered) {
                ctx.store->add_artifact(ctx.run, "checkpoint", ckpt_path,
                                        std::int64_t(std::filesystem::file_size(ckpt_path)));
                ckpt_registered = true;
            }
        }
        rep.seconds = seconds_since(t_epoch);
        result.epochs = epoch + 1;
        result.test_accuracy = rep.test_accuracy;
        result.best_test_accuracy = std::max(result.best_test_accuracy, rep.test_accuracy);
        result.final_train_loss = rep.train_loss;
        if (ctx.store) {
            char msg[160];
            std::snprintf(msg, sizeof msg, "epoch %d/%d: train loss %.4f, test accuracy %.4f",
                          epoch + 1, spec.epochs, rep.train_loss, rep.test_accuracy);
            ctx.store->add_event(ctx.run, "info", "epoch", msg);
        }
        ctx.sink.on_epoch(rep);
        progress.next_epoch();
    }

    result.status = ctx.cancel_requested() ? JobStatus::Cancelled : JobStatus::Completed;
    result.train_samples_per_s = step_seconds > 0 ? double(samples_timed) / step_seconds : 0.0;
    result.step_ms = steps_timed > 0 ? step_seconds * 1e3 / double(steps_timed) : 0.0;
    result.peak_rss_mb = profiler::read_process_stats().peak_rss_mb;
    result.precision = spec.precision;
    if (scaler) {
        result.skipped_steps = scaler->skipped();
        result.loss_scale = scaler->current();
    }
    result.wall_s = seconds_since(t_start);
    return result;
}

}  // namespace sparq::engine::train

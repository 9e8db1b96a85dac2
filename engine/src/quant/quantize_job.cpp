#include "quant/quantize_job.h"

#include <ATen/Parallel.h>
#include <torch/nn/functional/loss.h>
#include <torch/optim/adam.h>
#include <torch/serialize.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "data/fashion_mnist.h"
#include "models/models.h"
#include "quant/convert.h"
#include "quant/qat.h"
#include "quant/qformat.h"
#include "sparq/engine/errors.h"
#include "train/checkpoint.h"
#include "train/trainer.h"

namespace sparq::engine::quant {

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

double float_accuracy(models::ClassifierImpl& model, const torch::Tensor& x, const torch::Tensor& y) {
    torch::NoGradGuard no_grad;
    model.eval();
    std::int64_t correct = 0;
    for (std::int64_t i = 0; i < x.size(0); i += 1000) {
        const std::int64_t len = std::min<std::int64_t>(1000, x.size(0) - i);
        correct += model.forward(x.narrow(0, i, len)).argmax(1).eq(y.narrow(0, i, len)).sum().item<std::int64_t>();
    }
    return x.size(0) ? double(correct) / double(x.size(0)) : 0.0;
}

struct FloatModel {
    TrainSpec spec;
    std::shared_ptr<models::ClassifierImpl> model;
    std::string checkpoint;
};

FloatModel load_float(const std::string& checkpoint) {
    FloatModel f;
    f.spec = train::checkpoint_spec(checkpoint);
    torch::manual_seed(f.spec.seed);
    f.model = models::make_model(f.spec);
    torch::optim::Adam unused(f.model->parameters());
    train::load_checkpoint(checkpoint, *f.model, unused);
    f.checkpoint = checkpoint;
    return f;
}

// Publishes each layer's error as "quant/<layer>/error" and the maximum as quant/max_error.
class ErrorSeries {
public:
    ErrorSeries(profiler::MetricBus& bus, profiler::RunId run) : bus_(bus), run_(run), out_(bus.make_producer()) {}
    void publish(std::int64_t step, const std::vector<LayerError>& errors) {
        double worst = 0;
        for (const auto& e : errors) {
            out_.publish(run_, bus_.series().intern("quant/" + e.name + "/error"), step, e.error);
            worst = std::max(worst, e.error);
        }
        out_.publish(run_, bus_.series().intern("quant/max_error"), step, worst);
    }
    profiler::Producer& producer() { return out_; }

private:
    profiler::MetricBus& bus_;
    profiler::RunId run_;
    profiler::Producer out_;
};

// Raises an alert (event + log) when a layer's error crosses the threshold upwards.
class ErrorAlerts {
public:
    ErrorAlerts(double threshold, JobContext& ctx) : threshold_(threshold), ctx_(ctx) {}
    int check(const std::vector<LayerError>& errors, const std::string& when) {
        int above = 0;
        for (const auto& e : errors) {
            if (e.error <= threshold_) {
                raised_.erase(e.name);
                continue;
            }
            ++above;
            if (!raised_.insert(e.name).second) continue;
            const std::string msg = "quantization error of " + e.name + " is " + std::to_string(e.error) +
                                    " " + when + ", above the alert threshold " + std::to_string(threshold_);
            ctx_.sink.on_log("warning", msg);
            if (ctx_.store) ctx_.store->add_event(ctx_.run, "warning", "alert", msg);
        }
        return above;
    }

private:
    double threshold_;
    JobContext& ctx_;
    std::set<std::string> raised_;
};

std::vector<QuantLayerError> to_result(const std::vector<LayerError>& errors) {
    std::vector<QuantLayerError> out;
    for (const auto& e : errors) out.push_back({e.name, e.kind, e.error});
    return out;
}

// Returns the number of optimizer steps taken.
std::int64_t run_qat(const QuantizeSpec& q, models::ClassifierImpl& model, FakeQuantHooks& hooks,
             const torch::Tensor& train_x, const torch::Tensor& train_y, const torch::Tensor& val,
             JobContext& ctx, double from, ErrorSeries& series, ErrorAlerts& alerts) {
    torch::optim::Adam opt(model.parameters(), torch::optim::AdamOptions(q.qat_lr));
    const std::int64_t n = train_x.size(0), batch = q.batch_size, batches = (n + batch - 1) / batch;
    const auto loss_id = ctx.bus.series().intern("qat/loss");
    // Errors are measured every error_every steps, and progress is reported with them.
    StepProgress progress(ctx, "quantization-aware training", q.qat_epochs, batches, from, 0.9);
    for (int epoch = 0; epoch < q.qat_epochs; ++epoch) {
        auto gen = at::detail::createCPUGenerator(q.seed * 7919ull + std::uint64_t(epoch));
        const auto perm = torch::randperm(n, gen, torch::kInt64);
        for (std::int64_t b = 0; b < batches; ++b) {
            if (progress.stop()) return progress.step();
            model.train();
            const auto idx = perm.narrow(0, b * batch, std::min(batch, n - b * batch));
            opt.zero_grad();
            const auto loss = torch::nn::functional::cross_entropy(
                forward_hooked(model, train_x.index_select(0, idx), hooks), train_y.index_select(0, idx));
            loss.backward();
            opt.step();
            hooks.step();
            const double l = loss.item<double>();
            progress.step_done(l, idx.size(0));
            const std::int64_t step = progress.step();
            series.producer().publish(ctx.run, loss_id, step, l);
            if (step % q.error_every == 0 || b + 1 == batches) {
                const auto errors = layer_errors(model, convert(model, hooks.calibration()), val);
                series.publish(step, errors);
                alerts.check(errors, "at QAT step " + std::to_string(step));
            }
        }
        progress.next_epoch();
    }
    return progress.step();
}

}  // namespace

QuantizeResult run_quantize(const QuantizeSpec& q, JobContext& ctx) {
    validate(q);
    const auto t_start = Clock::now();
    at::set_num_threads(q.threads);
    QuantizeResult r;
    r.run_id = ctx.run;
    r.device = ctx.device.name;
    r.mode = q.mode;
    r.observer = q.observer;
    r.kernel = kernels::int8_simd_path();

    // 1. The float model: a given checkpoint, or train the preset now.
    std::string checkpoint = q.checkpoint;
    if (checkpoint.empty()) {
        TrainSpec spec = load_preset(q.preset);
        if (q.train_epochs > 0) spec.epochs = q.train_epochs;
        spec.threads = q.threads;
        spec.limit_train = q.limit_train;
        spec.limit_test = q.limit_test;
        spec.data_dir = q.data_dir;
        spec.seed = q.seed;
        if (ctx.run_dir.empty()) throw ConfigError("quantize: training a float model needs a run folder");
        ctx.log("info", "training the float " + q.preset + " model first");
        const TrainResult t = train::run_training(spec, ctx, 0.0, 0.5);
        if (t.status == JobStatus::Cancelled) {
            r.status = "cancelled";
            return r;
        }
        checkpoint = t.checkpoint;
    }
    FloatModel f = load_float(checkpoint);
    r.float_checkpoint = checkpoint;
    r.preset = f.spec.preset.empty() ? f.spec.name : f.spec.preset;
    r.arch = f.spec.model;
    models::ClassifierImpl& model = *f.model;

    // 2. Data: calibration from the end of the training set (also the validation batch of the
    // error metric), QAT on the rest, accuracy on the test set.
    const std::string data_dir = q.data_dir.empty() ? default_data_dir() : q.data_dir;
    const auto ds = data::load_fashion_mnist(data_dir);
    const std::int64_t n_train = ds->train.size();
    const std::int64_t n_cal = std::min<std::int64_t>(q.calibration_samples, n_train / 2);
    const auto cal_x = ds->train.images.narrow(0, n_train - n_cal, n_cal);
    const auto val_x = cal_x.narrow(0, 0, std::min<std::int64_t>(512, n_cal));
    std::int64_t n_fit = n_train - n_cal;
    if (q.limit_train > 0) n_fit = std::min(n_fit, q.limit_train);
    const auto fit_x = ds->train.images.narrow(0, 0, n_fit), fit_y = ds->train.labels.narrow(0, 0, n_fit);
    const std::int64_t n_test = q.limit_test > 0 ? std::min(q.limit_test, ds->test.size()) : ds->test.size();
    const auto test_x = ds->test.images.narrow(0, 0, n_test), test_y = ds->test.labels.narrow(0, 0, n_test);

    const double after_float = q.checkpoint.empty() ? 0.5 : 0.0;
    ctx.progress("calibrating (" + q.observer + ")", after_float);
    r.fp32_accuracy = float_accuracy(model, test_x, test_y);
    ctx.log("info", "float model: test accuracy " + std::to_string(r.fp32_accuracy));

    // 3. Post-training quantization (also the starting point of QAT).
    const ObserverKind kind = parse_observer(q.observer);
    Calibration cal = calibrate(model, cal_x, kind, 256, q.percentile);
    QuantModel qm = convert(model, cal);
    r.ptq_int8_accuracy = int8_accuracy(qm, test_x, test_y);
    r.ptq_accuracy_retention = r.fp32_accuracy > 0 ? r.ptq_int8_accuracy / r.fp32_accuracy : 0;
    ctx.log("info", "post-training quantization (" + q.observer + "): INT8 test accuracy " +
                                std::to_string(r.ptq_int8_accuracy));

    ErrorSeries series(ctx.bus, ctx.run);
    ErrorAlerts alerts(q.error_alert, ctx);
    std::int64_t steps = 0;
    if (q.mode == "qat") {
        FakeQuantHooks hooks(cal, q.freeze_observers_after);
        steps = run_qat(q, model, hooks, fit_x, fit_y, val_x, ctx, after_float, series, alerts);
        if (ctx.cancel_requested()) {
            r.status = "cancelled";
            return r;
        }
        qm = convert(model, hooks.calibration());
        r.int8_accuracy = int8_accuracy(qm, test_x, test_y);
        // The float reference of a QAT job is the model before fine-tuning (fp32_accuracy).
    } else {
        r.int8_accuracy = r.ptq_int8_accuracy;
    }
    r.accuracy_retention = r.fp32_accuracy > 0 ? r.int8_accuracy / r.fp32_accuracy : 0;

    // 4. Where precision is lost, on the validation batch.
    const auto errors = layer_errors(model, qm, val_x);
    series.publish(steps + 1, errors);  // after the last QAT step (step 1 for PTQ)
    r.layers = to_result(errors);
    for (const auto& e : errors) r.max_layer_error = std::max(r.max_layer_error, e.error);
    r.alerts = alerts.check(errors, "in the final INT8 model");

    // 5. Both models on disk: the INT8 file and the float weights alone.
    const std::string dir = ctx.run_dir.empty() ? fs::temp_directory_path().string() : ctx.run_dir;
    r.int8_model = q.output.empty() ? dir + "/model.sqint8" : q.output;
    const nlohmann::json meta{{"run_id", ctx.run},          {"preset", r.preset},
                              {"mode", q.mode},             {"observer", q.observer},
                              {"fp32_accuracy", r.fp32_accuracy}, {"int8_accuracy", r.int8_accuracy},
                              {"float_checkpoint", checkpoint}};
    r.int8_size_bytes = save_int8_model(qm, meta, r.int8_model);
    const std::string fp32_path = dir + "/model_fp32.pt";
    train::write_atomically(fp32_path, [&](const std::string& tmp) {
        torch::serialize::OutputArchive archive;
        model.save(archive);
        archive.save_to(tmp);
    });
    r.fp32_size_bytes = std::int64_t(fs::file_size(fp32_path));
    r.size_ratio = r.int8_size_bytes > 0 ? double(r.fp32_size_bytes) / double(r.int8_size_bytes) : 0;
    if (ctx.store) {
        ctx.store->add_artifact(ctx.run, "int8-model", r.int8_model, r.int8_size_bytes);
        ctx.store->add_artifact(ctx.run, "fp32-model", fp32_path, r.fp32_size_bytes);
    }

    // 6. Latency, the two paths alternated in one process.
    ctx.log("info", "timing FP32 (LibTorch) against INT8 at batch 1 and 64");
    ctx.progress("timing FP32 against INT8", 0.9);
    model.eval();
    torch::NoGradGuard no_grad;
    time_fp32_vs_int8(model, qm, test_x, q.bench_seconds, r);
    r.status = "completed";
    r.wall_s = std::chrono::duration<double>(Clock::now() - t_start).count();
    return r;
}

}  // namespace sparq::engine::quant

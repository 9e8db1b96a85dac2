#include "sparq/engine/engine.h"

#include <c10/util/Exception.h>

#include <filesystem>
#include <functional>
#include <list>
#include <mutex>
#include <optional>

#include "device.h"
#include "job_control.h"
#include "models/models.h"
#include "sparq/engine/errors.h"
#include "profile/job_profiler.h"
#include "sparq/profiler/run_store.h"
#include "continual/continual_job.h"
#include "distill/distill_job.h"
#include "quant/quantize_job.h"
#include "train/trainer.h"

namespace sparq::engine {

// ---------------------------------------------------------------- JobHandle

JobHandle::JobHandle(std::shared_ptr<JobState> state) : state_(std::move(state)) {}
void JobHandle::cancel() { state_->request_cancel(); }
void JobHandle::pause() { state_->set_paused(true); }
void JobHandle::resume() { state_->set_paused(false); }
JobStatus JobHandle::status() const { return state_->status(); }
std::int64_t JobHandle::run_id() const { return state_->run_id(); }
TrainResult JobHandle::wait() { return state_->wait(); }
bool JobHandle::wait_for(int timeout_ms) { return state_->wait_for(timeout_ms); }

// ---------------------------------------------------------------- Engine

struct Engine::Impl {
    EngineOptions options;
    std::mutex mutex;
    std::list<std::shared_ptr<JobState>> jobs;
    std::atomic<std::int64_t> next_local_run{1};

    void reap_finished() {
        std::lock_guard lock(mutex);
        for (auto it = jobs.begin(); it != jobs.end();) {
            if ((*it)->done()) {
                if ((*it)->worker.joinable()) (*it)->worker.join();
                it = jobs.erase(it);
            } else {
                ++it;
            }
        }
    }

    // Checkpoints live beside the history that records them (<db folder>/runs), so runs of
    // two databases never share a folder.
    std::string workspace_root() const {
        if (!options.workspace_root.empty()) return options.workspace_root;
        if (options.store) {
            const auto parent = std::filesystem::path(options.store->path()).parent_path();
            return ((parent.empty() ? std::filesystem::path(".") : parent) / "runs").string();
        }
        return profiler::default_workspace_root();
    }

    // What a job body hands back: the handle's result and the history's summary JSON
    // (empty = the result's).
    struct Outcome {
        TrainResult result;
        std::string summary;
    };
    using Body = std::function<Outcome(train::TrainContext&)>;

    // The outcome of a job whose summary is its own JSON (status "cancelled" or "completed").
    static Outcome summarized(const std::string& status, double accuracy, double wall_s, std::string summary) {
        Outcome out;
        out.result.status = status == "cancelled" ? JobStatus::Cancelled : JobStatus::Completed;
        out.result.test_accuracy = accuracy;
        out.result.best_test_accuracy = accuracy;
        out.result.wall_s = wall_s;
        out.summary = std::move(summary);
        return out;
    }

    void run(const std::shared_ptr<JobState>& state, const profiler::NewRun& record,
             const std::string& started, bool checkpoints, const Body& body, JobSink& sink) {
        Outcome out;
        TrainResult& result = out.result;
        profiler::RunId run = 0;
        try {
            run = options.store ? options.store->create_run(record) : next_local_run++;
            state->set_run_id(run);
            state->set_status(JobStatus::Running);
            const std::string device = Engine::device_name();
            sink.on_started(run, device);
            if (options.store) options.store->add_event(run, "info", "started", started + " on " + device);

            std::optional<profile::JobProfiler> profiling;
            if (options.sample_process)
                profiling.emplace(*options.bus, options.store, run, options.profile, record.config_json, sink);
            const std::string root = workspace_root();
            train::TrainContext ctx{*options.bus, run, checkpoints ? root + "/" + std::to_string(run) : "",
                                    *state, sink, options.store};
            out = body(ctx);
        } catch (const c10::Error& e) {
            result.status = JobStatus::Failed;
            const std::string what = e.what_without_backtrace();
            result.error = "LibTorch error: " + what.substr(0, what.find('\n'));
        } catch (const std::exception& e) {
            result.status = JobStatus::Failed;
            result.error = e.what();
        }
        result.run_id = run;
        if (options.store && run > 0) {
            try {
                if (!result.error.empty())
                    options.store->add_event(run, "error", "failed", result.error);
                // The run's last samples reach the store before its end, so they are
                // committed with it and packed into its final blocks.
                options.bus->flush();
                const bool measured = result.epochs > 0 || (!out.summary.empty() && result.status == JobStatus::Completed);
                options.store->finish_run(run, to_string(result.status),
                                          out.summary.empty() ? to_json(result) : out.summary,
                                          measured ? std::optional<double>(result.test_accuracy) : std::nullopt);
            } catch (const std::exception& e) {
                sink.on_log("error", e.what());
            }
        }
        sink.on_finished(result);
        state->finish(std::move(result));
    }

    JobHandle start(const profiler::NewRun& record, const std::string& started, bool checkpoints, Body body,
                    JobSink& sink) {
        reap_finished();
        auto state = std::make_shared<JobState>();
        std::lock_guard lock(mutex);
        state->worker = std::thread([this, state, record, started, checkpoints, body = std::move(body), &sink] {
            run(state, record, started, checkpoints, body, sink);
        });
        jobs.push_back(state);
        return JobHandle(state);
    }
};

Engine::Engine(EngineOptions options) : impl_(std::make_unique<Impl>()) {
    if (!options.bus) throw ConfigError("Engine needs a metric bus");
    impl_->options = std::move(options);
}

Engine::~Engine() {
    std::lock_guard lock(impl_->mutex);
    for (auto& job : impl_->jobs) job->request_cancel();
    for (auto& job : impl_->jobs)
        if (job->worker.joinable()) job->worker.join();
}

JobHandle Engine::submit(const TrainSpec& spec, JobSink& sink) {
    validate(spec);
    return impl_->start({spec.name, "train", spec.preset, to_json(spec)}, "training " + spec.model,
                        spec.checkpoint, [spec](train::TrainContext& ctx) {
                            return Impl::Outcome{train::run_training(spec, ctx), {}};
                        }, sink);
}

JobHandle Engine::submit_quantize(const QuantizeSpec& spec, JobSink& sink) {
    validate(spec);
    const std::string source = spec.checkpoint.empty() ? spec.preset : spec.checkpoint;
    const std::string name = spec.name.empty() ? (spec.checkpoint.empty() ? spec.preset : std::string("checkpoint")) +
                                                     " int8 " + spec.mode
                                               : spec.name;
    return impl_->start({name, "quantize", spec.preset, to_json(spec)}, "quantizing " + source + " (" + spec.mode + ")",
                        true, [spec](train::TrainContext& ctx) {
                            const QuantizeResult q = quant::run_quantize(spec, ctx);
                            ctx.sink.on_quantized(q);
                            Impl::Outcome out = Impl::summarized(q.status, q.int8_accuracy, q.wall_s, to_json(q));
                            out.result.checkpoint = q.int8_model;
                            return out;
                        }, sink);
}

JobHandle Engine::submit_distill(const DistillSpec& spec, JobSink& sink) {
    validate(spec);
    const std::string name = spec.student_preset + " from " +
                             (spec.teacher_checkpoint.empty() ? spec.teacher_preset : std::string("checkpoint"));
    return impl_->start({name, "distill", spec.student_preset, to_json(spec)},
                        "distilling into " + spec.student_preset, true, [spec](train::TrainContext& ctx) {
                            const DistillResult d = distill::run_distill(spec, ctx);
                            return Impl::summarized(d.status, d.student_accuracy, d.wall_s, to_json(d));
                        }, sink);
}

JobHandle Engine::submit_continual(const ContinualSpec& spec, JobSink& sink) {
    validate(spec);
    const std::string name =
        spec.name.empty() ? spec.scenario + " fashion x" + std::to_string(spec.tasks) + " ewc" : spec.name;
    return impl_->start({name, "continual", spec.preset, to_json(spec)},
                        "learning " + std::to_string(spec.tasks) + " " + spec.scenario + " tasks", false,
                        [spec](train::TrainContext& ctx) {
                            const ContinualResult c = continual::run_continual(spec, ctx);
                            return Impl::summarized(c.status, c.ewc.metrics.average_accuracy, c.wall_s, to_json(c));
                        }, sink);
}

std::int64_t Engine::count_params(const TrainSpec& spec) {
    auto model = models::make_model(spec);
    return models::parameter_count(*model);
}

std::string Engine::device_name() { return kernels::describe_device(); }

}  // namespace sparq::engine

namespace sparq::engine::series {

std::string gated_series(int layer, const std::string& what) {
    return "sparsity/gated" + std::to_string(layer) + "/" + what;
}

std::string relu_zero_series(int layer) {
    return "sparsity/relu" + std::to_string(layer) + "/zero_fraction";
}

}  // namespace sparq::engine::series

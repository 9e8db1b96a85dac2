#include "sparq/engine/engine.h"

#include <c10/util/Exception.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <list>
#include <mutex>
#include <optional>

#include "continual/continual_job.h"
#include "distill/distill_job.h"
#include "export/export_job.h"
#include "job/job_context.h"
#include "job/job_state.h"
#include "models/models.h"
#include "profile/job_profiler.h"
#include "quant/quantize_job.h"
#include "serve/serve_job.h"
#include "sparq/engine/errors.h"
#include "sparq/engine/openmp.h"
#include "sparq/profiler/run_store.h"
#include "sparse/sweep.h"
#include "train/trainer.h"

namespace sparq::engine {

namespace {

// Why a job of these kinds cannot run on a GPU in this build (CUDA comes job by job; a job
// that cannot use one refuses --device cuda with this reason and resolves auto to the CPU).
constexpr const char* kCpuOnly = "this job runs on the CPU only (its kernels and loops have no CUDA path yet)";

std::string cuda_reason_not(const TrainSpec& s) {
    if (s.model == "gated-mlp") return "gated layers run Sparq's CPU kernels";
    if (s.precision != "fp32") return "mixed precision runs through the CPU's autocast only in this build";
    return {};
}

}  // namespace

// ---------------------------------------------------------------- run names

std::string run_name(const TrainSpec& s) { return s.name.empty() ? (s.preset.empty() ? s.model : s.preset) : s.name; }

std::string run_name(const QuantizeSpec& s) {
    if (!s.name.empty()) return s.name;
    return (s.checkpoint.empty() ? s.preset : std::string("checkpoint")) + " int8 " + s.mode;
}

std::string run_name(const DistillSpec& s) {
    return s.student_preset + " from " + (s.teacher_checkpoint.empty() ? s.teacher_preset : std::string("checkpoint"));
}

std::string run_name(const ContinualSpec& s) {
    return s.name.empty() ? s.scenario + " fashion x" + std::to_string(s.tasks) + " ewc" : s.name;
}

std::string run_name(const ServeBenchSpec& s) {
    if (s.compare.size() > 1) return "serve-bench of " + std::to_string(s.compare.size()) + " policies";
    return "serve-bench " + (s.compare.empty() ? s.batching.policy : s.compare.front());
}

std::string run_name(const ExportSpec& s) {
    return "export " + s.format + " of " + (s.run_id > 0 ? "run " + std::to_string(s.run_id) : s.checkpoint);
}

std::string run_name(const SweepSpec& s) {
    return "sweep of " + (s.run_id > 0 ? "run " + std::to_string(s.run_id) : s.checkpoint);
}

// ---------------------------------------------------------------- Engine

struct Engine::Impl {
    EngineOptions options;
    std::mutex mutex;
    std::list<std::shared_ptr<JobState>> jobs;
    std::atomic<std::int64_t> next_local_run{1};

    // How a job is recorded: a run of its own (with a folder for its files), or none (export and
    // sweep report on the run they read).
    struct Plan {
        JobKind kind = JobKind::Train;
        profiler::NewRun record;
        bool own_run = true;
        bool run_dir = true;
        std::int64_t existing_run = 0;
        std::string started;  // "training mlp", for the "started" event
        Device device;
    };

    // What a job's body hands back, its result type erased.
    struct Outcome {
        std::any value;
        JobStatus status = JobStatus::Completed;
        std::optional<double> accuracy;  // the run's headline accuracy in the history
        std::string summary;             // the result's JSON, as the history keeps it
    };
    using Body = std::function<Outcome(JobContext&)>;

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

    // Runs live beside the history that records them (<db folder>/runs), so runs of two
    // databases never share a folder.
    std::string workspace_root() const {
        if (!options.workspace_root.empty()) return options.workspace_root;
        if (options.store) {
            const auto parent = std::filesystem::path(options.store->path()).parent_path();
            return ((parent.empty() ? std::filesystem::path(".") : parent) / "runs").string();
        }
        return profiler::default_workspace_root();
    }

    static void fail(JobEnd& end, JobError kind, std::string error) {
        end.status = JobStatus::Failed;
        end.error_kind = kind;
        end.error = std::move(error);
    }

    void run(const std::shared_ptr<JobState>& state, const Plan& plan, const Body& body, JobSink& sink) {
        const auto t0 = std::chrono::steady_clock::now();
        JobEnd end;
        end.kind = plan.kind;
        end.device = plan.device.name;
        Outcome out;
        profiler::RunStore* store = options.store;
        const bool recorded = plan.own_run && store;
        profiler::RunId run = plan.existing_run;
        try {
            if (plan.own_run) run = recorded ? store->create_run(plan.record) : next_local_run++;
            state->set_run_id(run);
            state->set_status(JobStatus::Running);
            sink.on_started(run, plan.device.label);
            if (recorded)
                store->add_event(run, "info", "started",
                                 plan.started + " on " + plan.device.label + "; OpenMP threads wait with " +
                                     openmp_wait_setting());

            std::optional<profile::JobProfiler> profiling;
            if (plan.own_run && options.sample_process)
                profiling.emplace(*options.bus, store, run, options.profile, plan.record.config_json, sink,
                                  plan.device);
            const std::string dir = plan.own_run && plan.run_dir ? workspace_root() + "/" + std::to_string(run) : "";
            JobContext ctx{*options.bus, run, dir, *state, sink, store, plan.device};
            out = body(ctx);
            end.status = out.status;
        } catch (const JobCancelled&) {
            end.status = JobStatus::Cancelled;
        } catch (const c10::Error& e) {
            const std::string what = e.what_without_backtrace();
            fail(end, JobError::Internal, "LibTorch error: " + what.substr(0, what.find('\n')));
        } catch (const VerificationError& e) {
            fail(end, JobError::Verification, e.what());
        } catch (const ConfigError& e) {
            fail(end, JobError::BadInput, e.what());
        } catch (const DataError& e) {
            fail(end, JobError::BadInput, e.what());
        } catch (const std::exception& e) {
            fail(end, JobError::Internal, e.what());
        }
        end.run_id = run;
        end.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        end.summary_json = out.summary.empty() ? "{}" : out.summary;
        if (store && !recorded) {
            // A job without a run of its own (an export) wrote to the run it read: committed
            // before its end is reported, as a recorded run's end is.
            try {
                store->flush();
            } catch (const std::exception& e) {
                sink.on_log("error", e.what());
            }
        }
        if (recorded && run > 0) {
            try {
                if (!end.error.empty()) store->add_event(run, "error", "failed", end.error);
                // The run's last samples reach the store before its end, so they are committed
                // with it and packed into its final blocks.
                options.bus->flush();
                store->finish_run(run, to_string(end.status), end.summary_json,
                                  end.status == JobStatus::Failed ? std::nullopt : out.accuracy);
            } catch (const std::exception& e) {
                sink.on_log("error", e.what());
            }
        }
        // The sink's last report comes before the handle's end: once wait() returns, the job
        // no longer touches its sink.
        sink.on_finished(end);
        const bool failed = end.status == JobStatus::Failed;
        state->finish(std::move(end), failed ? std::any{} : std::move(out.value));
    }

    template <class R>
    Job<R> start(Plan plan, std::function<Outcome(JobContext&)> body, JobSink& sink) {
        reap_finished();
        auto state = std::make_shared<JobState>(plan.kind);
        std::lock_guard lock(mutex);
        state->worker = std::thread([this, state, plan = std::move(plan), body = std::move(body), &sink] {
            run(state, plan, body, sink);
        });
        jobs.push_back(state);
        return Job<R>(JobHandle(state));
    }

    static Plan recorded_plan(JobKind kind, std::string name, std::string preset, std::string config,
                              std::string started, Device device) {
        Plan p;
        p.kind = kind;
        p.record = {std::move(name), to_string(kind), std::move(preset), std::move(config)};
        p.started = std::move(started);
        p.device = std::move(device);
        return p;
    }

    // Export and sweep: no run of their own; they report on the run they read.
    static Plan unrecorded_plan(JobKind kind, std::int64_t run_id, Device device) {
        Plan p;
        p.kind = kind;
        p.own_run = false;
        p.existing_run = run_id;
        p.device = std::move(device);
        return p;
    }

    // A result whose summary in the history is its own JSON.
    template <class R>
    static Outcome outcome(R value, JobStatus status, std::optional<double> accuracy = std::nullopt) {
        Outcome o;
        o.status = status;
        o.accuracy = accuracy;
        o.summary = to_json(value);
        o.value = std::move(value);
        return o;
    }
    // Results that carry their status as text ("completed", "cancelled").
    static JobStatus status_of(const std::string& status) {
        return status == "cancelled" ? JobStatus::Cancelled : JobStatus::Completed;
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

profiler::RunStore* Engine::store() const { return impl_->options.store; }
std::string Engine::workspace_root() const { return impl_->workspace_root(); }

std::string Engine::model_cache_dir() const {
    const std::string db = impl_->options.store ? impl_->options.store->path() : profiler::default_db_path();
    const auto parent = std::filesystem::path(db).parent_path();
    return ((parent.empty() ? std::filesystem::path(".") : parent) / "models").string();
}

Job<TrainResult> Engine::submit(const TrainSpec& spec, JobSink& sink) {
    validate(spec);
    auto plan = Impl::recorded_plan(JobKind::Train, run_name(spec), spec.preset, to_json(spec), "training " + spec.model,
                                    resolve_device(spec.device, cuda_reason_not(spec)));
    plan.run_dir = spec.checkpoint;
    return impl_->start<TrainResult>(std::move(plan), [spec](JobContext& ctx) {
        TrainResult r = train::run_training(spec, ctx);
        const JobStatus status = r.status;
        const auto accuracy = r.epochs > 0 ? std::optional<double>(r.test_accuracy) : std::nullopt;
        return Impl::outcome(std::move(r), status, accuracy);
    }, sink);
}

Job<QuantizeResult> Engine::submit(const QuantizeSpec& spec, JobSink& sink) {
    validate(spec);
    const std::string source = spec.checkpoint.empty() ? spec.preset : spec.checkpoint;
    auto plan = Impl::recorded_plan(JobKind::Quantize, run_name(spec), spec.preset, to_json(spec),
                                    "quantizing " + source + " (" + spec.mode + ")", resolve_device(spec.device, kCpuOnly));
    return impl_->start<QuantizeResult>(std::move(plan), [spec](JobContext& ctx) {
        QuantizeResult q = quant::run_quantize(spec, ctx);
        const JobStatus status = Impl::status_of(q.status);
        const double accuracy = q.int8_accuracy;
        return Impl::outcome(std::move(q), status, accuracy);
    }, sink);
}

Job<DistillResult> Engine::submit(const DistillSpec& spec, JobSink& sink) {
    validate(spec);
    auto plan = Impl::recorded_plan(JobKind::Distill, run_name(spec), spec.student_preset, to_json(spec),
                                    "distilling into " + spec.student_preset, resolve_device(spec.device, kCpuOnly));
    return impl_->start<DistillResult>(std::move(plan), [spec](JobContext& ctx) {
        DistillResult d = distill::run_distill(spec, ctx);
        const JobStatus status = Impl::status_of(d.status);
        const double accuracy = d.student_accuracy;
        return Impl::outcome(std::move(d), status, accuracy);
    }, sink);
}

Job<ContinualResult> Engine::submit(const ContinualSpec& spec, JobSink& sink) {
    validate(spec);
    auto plan = Impl::recorded_plan(JobKind::Continual, run_name(spec), spec.preset, to_json(spec),
                                    "learning " + std::to_string(spec.tasks) + " " + spec.scenario + " tasks",
                                    resolve_device(spec.device, kCpuOnly));
    plan.run_dir = false;
    return impl_->start<ContinualResult>(std::move(plan), [spec](JobContext& ctx) {
        ContinualResult c = continual::run_continual(spec, ctx);
        const JobStatus status = Impl::status_of(c.status);
        const double accuracy = c.ewc.metrics.average_accuracy;
        return Impl::outcome(std::move(c), status, accuracy);
    }, sink);
}

Job<ServeBenchReport> Engine::submit(const ServeBenchSpec& spec, JobSink& sink) {
    validate(spec);
    ServeBenchSpec s = spec;
    if (s.cache_dir.empty()) s.cache_dir = model_cache_dir();
    auto plan = Impl::recorded_plan(JobKind::Serve, run_name(s), s.model.preset, to_json(s),
                                    "serving " + std::to_string(s.workload.requests) + " requests with " + s.model.preset,
                                    resolve_device(s.device, kCpuOnly));
    plan.run_dir = false;
    return impl_->start<ServeBenchReport>(std::move(plan), [s](JobContext& ctx) {
        ServeBenchReport r = serve::run_serve_bench(s, ctx);
        Impl::Outcome o;
        o.status = r.cancelled ? JobStatus::Cancelled : JobStatus::Completed;
        o.summary = serve::summary_json(s, r);
        o.value = std::move(r);
        return o;
    }, sink);
}

Job<ExportResult> Engine::submit(const ExportSpec& spec, JobSink& sink) {
    validate(spec);
    auto plan = Impl::unrecorded_plan(JobKind::Export, spec.run_id, resolve_device(spec.device, kCpuOnly));
    return impl_->start<ExportResult>(std::move(plan), [spec](JobContext& ctx) {
        ExportResult r = exporter::run_export(spec, ctx);
        return Impl::outcome(std::move(r), ctx.cancel_requested() ? JobStatus::Cancelled : JobStatus::Completed);
    }, sink);
}

Job<SweepResult> Engine::submit(const SweepSpec& spec, JobSink& sink) {
    validate(spec);
    auto plan = Impl::unrecorded_plan(JobKind::Sweep, spec.run_id, resolve_device(spec.device, kCpuOnly));
    return impl_->start<SweepResult>(std::move(plan), [spec](JobContext& ctx) {
        SweepResult r = sparse::run_sweep(spec, ctx);
        return Impl::outcome(std::move(r), ctx.cancel_requested() ? JobStatus::Cancelled : JobStatus::Completed);
    }, sink);
}

std::int64_t Engine::count_params(const TrainSpec& spec) {
    auto model = models::make_model(spec);
    return models::parameter_count(*model);
}

}  // namespace sparq::engine

namespace sparq::engine::series {

std::string gated_series(int layer, const std::string& what) {
    return "sparsity/gated" + std::to_string(layer) + "/" + what;
}

std::string relu_zero_series(int layer) {
    return "sparsity/relu" + std::to_string(layer) + "/zero_fraction";
}

}  // namespace sparq::engine::series

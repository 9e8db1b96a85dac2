#include "commands.h"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>

#include "progress.h"
#include "sparq/profiler/export_runs.h"
#include "sparq/engine/engine.h"
#include "sparq/engine/errors.h"
#include "sparq/engine/sparse.h"
#include "sparq/profiler/metric_bus.h"
#include "sparq/profiler/run_store.h"

namespace sparq::cli {

namespace {

std::atomic<int> g_interrupts{0};
extern "C" void on_sigint(int) { g_interrupts.fetch_add(1); }

}  // namespace

std::string db_or_default(const std::string& db) {
    return db.empty() ? profiler::default_db_path() : db;
}

std::string local_time(std::int64_t wall_ns) { return profiler::local_time_text(wall_ns); }

void print_error(const std::string& message) {
    std::string one_line = message;
    for (char& c : one_line)
        if (c == '\n') c = ' ';
    std::fprintf(stderr, "sparq-cli: %s\n", one_line.c_str());
}

JobRunner::JobRunner(const std::string& db, const std::string& workspace, const engine::ProfileOptions& profile)
    : db_(db_or_default(db)), store_(profiler::RunStore::open({db_})) {
    store_->attach(bus_);
    engine::EngineOptions eo;
    eo.profile = profile;
    eo.bus = &bus_;
    eo.store = store_.get();
    eo.workspace_root = workspace;
    engine_ = std::make_unique<engine::Engine>(eo);
}

JobRunner::~JobRunner() { engine_.reset(); }

engine::TrainResult JobRunner::wait(engine::JobHandle job) {
    std::signal(SIGINT, on_sigint);
    int seen_interrupts = g_interrupts.load();
    while (!job.wait_for(100)) {
        if (g_interrupts.load() != seen_interrupts) {
            seen_interrupts = g_interrupts.load();
            std::fprintf(stderr, "\ninterrupted: cancelling after the current batch\n");
            job.cancel();
        }
    }
    const engine::TrainResult r = job.wait();
    std::signal(SIGINT, SIG_DFL);
    store_->detach();  // every sample is committed before we report
    return r;
}

int finish_summarized(JobRunner& runner, engine::JobHandle job, bool json,
                      const std::function<void(const std::string&, std::int64_t)>& print_text) {
    const engine::TrainResult t = runner.wait(std::move(job));
    if (t.status == engine::JobStatus::Failed) {
        print_error(t.error);
        return 1;
    }
    profiler::RunReader reader(runner.db());
    const auto run = reader.run(t.run_id);
    const std::string summary = run && !run->summary_json.empty() ? run->summary_json : std::string("{}");
    if (json)
        std::printf("%s\n", summary.c_str());
    else if (t.status == engine::JobStatus::Completed)
        print_text(summary, t.run_id);
    std::fflush(stdout);
    return t.status == engine::JobStatus::Cancelled ? 130 : 0;
}

int run_train(engine::TrainSpec spec, const TrainOptions& o) {
    JobRunner runner(o.db, o.workspace, o.profile);
    const std::string& db = runner.db();
    const bool tty = isatty(STDERR_FILENO) == 1;
    ProgressSink sink(tty && !o.quiet, !o.quiet);
    const engine::TrainResult r = runner.wait(runner.engine().submit(spec, sink));

    if (o.json) {
        std::printf("%s\n", engine::to_json(r).c_str());
    } else {
        std::printf("run %lld %s: test accuracy %.4f after %d epochs, %.0f samples/s, %lld params, %.1f s\n"
                    "history: %s\n",
                    (long long)r.run_id, engine::to_string(r.status), r.test_accuracy, r.epochs,
                    r.train_samples_per_s, (long long)r.params, r.wall_s, db.c_str());
        if (!r.checkpoint.empty()) std::printf("checkpoint: %s\n", r.checkpoint.c_str());
    }
    std::fflush(stdout);
    if (r.status == engine::JobStatus::Failed) {
        print_error(r.error);
        return 1;
    }
    return r.status == engine::JobStatus::Cancelled ? 130 : 0;
}


int run_sparsity_sweep(const SweepOptions& o) {
    std::string checkpoint = o.checkpoint;
    if (checkpoint.empty()) {
        if (o.run <= 0) throw engine::ConfigError("sparsity sweep needs --checkpoint PATH or --run ID");
        profiler::RunReader reader(db_or_default(o.db));
        for (const auto& a : reader.artifacts(o.run))
            if (a.kind == "checkpoint") checkpoint = a.path;
        if (checkpoint.empty())
            throw engine::ConfigError("run " + std::to_string(o.run) + " has no checkpoint in " +
                                      db_or_default(o.db));
    }
    const auto points = engine::sweep_active_fraction(checkpoint, o.fractions, o.threads, o.limit_test);
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& p : points) {
        arr.push_back({{"active_fraction", p.active_fraction},
                       {"test_accuracy", p.test_accuracy},
                       {"latency_ms_b1", p.latency_ms_b1},
                       {"latency_ms_b64", p.latency_ms_b64},
                       {"active_param_fraction", p.active_param_fraction}});
        if (!o.json)
            std::printf("fraction %.3f: accuracy %.4f  b1 %.3f ms  b64 %.3f ms  active params %.3f\n",
                        p.active_fraction, p.test_accuracy, p.latency_ms_b1, p.latency_ms_b64,
                        p.active_param_fraction);
    }
    if (o.json)
        std::printf("%s\n", nlohmann::json{{"checkpoint", checkpoint}, {"points", arr}}.dump().c_str());
    return 0;
}

}  // namespace sparq::cli

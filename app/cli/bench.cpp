// sparq-cli bench train: training-step throughput of a preset's model, measured through the
// same Engine and trainer that real jobs use (no history, no checkpoints).
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <vector>

#include "cli.h"
#include "print.h"
#include "sparq/engine/bench.h"
#include "sparq/profiler/bench_store.h"

namespace sparq::cli {

namespace {

struct BenchTrainOptions {
    std::string preset = "mlp-fashion";
    std::string data;
    int threads = 2;
    int steps = 300;
    int repeats = 3;
    bool json = false;
};

int run_bench_train(const BenchTrainOptions& o) {
    engine::TrainSpec spec = engine::load_preset(o.preset);
    spec.threads = o.threads;
    spec.epochs = 1;
    spec.checkpoint = false;
    spec.limit_test = 1000;
    if (!o.data.empty()) spec.data_dir = o.data;

    profiler::MetricBus bus;
    engine::EngineOptions eo;
    eo.bus = &bus;
    eo.sample_process = false;
    engine::Engine engine(eo);
    engine::JobSink quiet;

    auto run_steps = [&](int steps) {
        engine::TrainSpec s = spec;
        s.limit_train = std::int64_t(steps) * spec.batch_size;
        const auto job = engine.submit(s, quiet);
        const engine::JobEnd end = job.wait();
        if (end.status != engine::JobStatus::Completed) throw std::runtime_error(end.error);
        return job.get();
    };
    run_steps(20);  // warm-up: data load, allocator, thread pool
    std::vector<engine::TrainResult> runs;
    for (int i = 0; i < o.repeats; ++i) {
        runs.push_back(run_steps(o.steps));
        if (!o.json)
            std::fprintf(stderr, "repeat %d: %.0f samples/s, %.3f ms/step\n", i + 1,
                         runs.back().train_samples_per_s, runs.back().step_ms);
    }
    std::sort(runs.begin(), runs.end(), [](const auto& a, const auto& b) {
        return a.train_samples_per_s < b.train_samples_per_s;
    });
    const engine::TrainResult& med = runs[runs.size() / 2];
    nlohmann::json j = {{"preset", o.preset},
                        {"samples_per_s", med.train_samples_per_s},
                        {"step_ms", med.step_ms},
                        {"threads", o.threads},
                        {"batch_size", spec.batch_size},
                        {"steps", o.steps},
                        {"repeats", o.repeats},
                        {"params", med.params}};
    if (o.json)
        std::printf("%s\n", j.dump().c_str());
    else
        std::printf("%s: %.0f samples/s, %.3f ms/step (median of %d x %d steps, %d threads)\n",
                    o.preset.c_str(), med.train_samples_per_s, med.step_ms, o.repeats, o.steps,
                    o.threads);
    return 0;
}

struct BenchSparseOptions {
    engine::SparseBenchOptions options;
    bool json = false;
};

int run_bench_sparse(const BenchSparseOptions& o) {
    const auto rows = engine::bench_sparse(o.options);
    nlohmann::json results = nlohmann::json::array();
    for (const auto& r : rows) {
        results.push_back({{"batch", r.batch},
                           {"dense_ms", r.dense_ms},
                           {"sparse_ms", r.sparse_ms},
                           {"speedup", r.speedup},
                           {"active_param_fraction", r.active_param_fraction}});
        if (!o.json)
            std::printf("batch %3d: dense %.4f ms  sparse %.4f ms  speedup %.2fx  active params %.3f\n",
                        r.batch, r.dense_ms, r.sparse_ms, r.speedup, r.active_param_fraction);
    }
    if (o.json) std::printf("%s\n", nlohmann::json{{"results", results}}.dump().c_str());
    return 0;
}

struct BenchAmpOptions {
    engine::AmpBenchOptions options;
    bool json = false;
};

int run_bench_amp(const BenchAmpOptions& o) {
    const auto rows = engine::bench_amp(o.options);
    nlohmann::json j{{"preset", o.options.preset}, {"steps", o.options.steps}, {"threads", o.options.threads}};
    for (const auto& r : rows) {
        j[r.precision + "_step_ms"] = r.step_ms;
        j[r.precision + "_peak_mb"] = r.peak_mb;
        j[r.precision + "_accuracy"] = r.accuracy;
        if (!o.json)
            std::printf("%-5s step %8.3f ms  peak +%7.1f MB  test accuracy %.4f after %d steps\n",
                        r.precision.c_str(), r.step_ms, r.peak_mb, r.accuracy, o.options.steps);
    }
    // Ratios of the second precision (bf16 by default) to the first (fp32).
    if (rows.size() >= 2) {
        j["speedup"] = rows[0].step_ms / rows[1].step_ms;
        j["memory_ratio"] = rows[0].peak_mb > 0 ? rows[1].peak_mb / rows[0].peak_mb : 0.0;
        if (!o.json)
            std::printf("%s vs %s: speedup %.2fx, peak memory ratio %.2f\n", rows[1].precision.c_str(),
                        rows[0].precision.c_str(), j["speedup"].get<double>(), j["memory_ratio"].get<double>());
    }
    if (o.json) std::printf("%s\n", j.dump().c_str());
    return 0;
}

struct BenchProfilerOptions {
    engine::ProfilerOverheadOptions options;
    bool json = false;
};

int run_bench_profiler_overhead(const BenchProfilerOptions& o) {
    const auto rows = engine::bench_profiler_overhead(o.options);
    nlohmann::json results = nlohmann::json::array();
    for (const auto& r : rows) {
        results.push_back({{"preset", r.preset},
                           {"off_step_ms", r.off_step_ms},
                           {"on_step_ms", r.on_step_ms},
                           {"overhead_ratio", r.overhead_ratio},
                           {"ops_recorded", r.ops_recorded},
                           {"ops_coverage", r.ops_coverage},
                           {"steps_per_round", r.steps_per_round}});
        if (!o.json)
            std::printf("%-16s off %8.3f ms  on %8.3f ms  overhead %.4fx  (%lld op calls recorded, %.0f%% of the time)\n",
                        r.preset.c_str(), r.off_step_ms, r.on_step_ms, r.overhead_ratio,
                        static_cast<long long>(r.ops_recorded), 100 * r.ops_coverage);
    }
    if (o.json)
        std::printf("%s\n", nlohmann::json{{"results", results},
                                           {"rounds", o.options.rounds},
                                           {"round_seconds", o.options.round_seconds},
                                           {"ops", o.options.profile.ops},
                                           {"ops_window", o.options.profile.ops_window},
                                           {"threads", o.options.threads}}
                                  .dump()
                                  .c_str());
    return 0;
}

struct BenchStoreOptions {
    profiler::StoreBenchOptions options;
    bool json = false;
};

int run_bench_store(const BenchStoreOptions& o) {
    const profiler::StoreBenchResult r = profiler::bench_store(o.options);
    const nlohmann::json j{{"ingest_samples_per_s", r.ingest_samples_per_s},
                           {"list_10k_runs_ms", r.list_10k_runs_ms},
                           {"load_20x100k_points_ms", r.load_20x100k_points_ms},
                           {"db_bytes_per_sample", r.db_bytes_per_sample},
                           {"samples", r.samples}, {"points_loaded", r.points_loaded},
                           {"runs", r.runs}};
    if (o.json) {
        std::printf("%s\n", j.dump().c_str());
        return 0;
    }
    std::printf("ingest        %12.0f samples/s (%lld samples through the bus and the writer)\n"
                "list runs     %12.1f ms (%lld runs)\n"
                "load series   %12.1f ms (%d series x %lld points)\n"
                "on disk       %12.1f bytes per sample\n",
                r.ingest_samples_per_s, (long long)r.samples, r.list_10k_runs_ms, (long long)r.runs,
                r.load_20x100k_points_ms, o.options.series, (long long)o.options.points_per_series,
                r.db_bytes_per_sample);
    return 0;
}

struct BenchInt8Options {
    engine::Int8BenchOptions options;
    bool json = false;
};

int run_bench_int8(const BenchInt8Options& o) {
    const engine::QuantizeResult r = engine::bench_int8(o.options);
    if (o.json) {
        std::printf("%s\n", engine::to_json(r).c_str());
    } else {
        std::printf("%s (%s), random weights, INT8 kernels: %s\n", r.preset.c_str(), r.arch.c_str(), r.kernel.c_str());
        print_side_by_side(r);
    }
    return 0;
}

// Registers one benchmark: its options live as long as the app; --threads and --json are the
// shared flags, read into the benchmark's options when it runs.
template <class Options, class Declare, class Run>
void add_one(CLI::App* bench, const char* name, const char* help, int& exit, Declare declare, Run run) {
    auto o = std::make_shared<Options>();
    auto common = std::make_shared<Common>();
    auto* cmd = bench->add_subcommand(name, help);
    declare(cmd, *o);
    add_common(cmd, *common, kThreads | kJson);
    cmd->callback([o, common, run, &exit] { exit = run(*o, *common); });
}

}  // namespace

void add_bench(CLI::App& app, int& exit) {
    auto* bench = app.add_subcommand("bench", "measure engine performance");
    bench->require_subcommand(1);
    add_one<BenchTrainOptions>(
        bench, "train", "training throughput of a preset's model", exit,
        [](CLI::App* c, BenchTrainOptions& o) {
            c->add_option("--preset", o.preset, "preset (default mlp-fashion)");
            c->add_option("--data", o.data, "folder of Fashion-MNIST IDX files");
            c->add_option("--steps", o.steps, "steps per repeat")->check(CLI::Range(10, 100000));
            c->add_option("--repeats", o.repeats, "repeats (median reported)")->check(CLI::Range(1, 100));
        },
        [](BenchTrainOptions& o, const Common& c) {
            o.threads = threads_or(c, o.threads);
            o.json = c.json;
            return run_bench_train(o);
        });
    add_one<BenchSparseOptions>(
        bench, "sparse", "gated sparse layers vs the dense LibTorch path, batch 1 and 64", exit,
        [](CLI::App* c, BenchSparseOptions& o) {
            c->add_option("--preset", o.options.preset, "gated preset (default gated-mlp-fashion)");
            c->add_option("--active-fraction", o.options.active_fraction, "share of blocks kept per input")
                ->check(CLI::Range(0.001, 1.0));
            c->add_option("--checkpoint", o.options.checkpoint, "trained weights of that preset");
            c->add_option("--seconds", o.options.seconds_per_point, "measuring time per point")->check(CLI::Range(0.1, 600.0));
        },
        [](BenchSparseOptions& o, const Common& c) {
            o.options.threads = threads_or(c, o.options.threads);
            o.json = c.json;
            return run_bench_sparse(o);
        });
    add_one<BenchStoreOptions>(
        bench, "store", "the history: ingest rate, listing 10k runs, loading 20 x 100k points, bytes per sample", exit,
        [](CLI::App* c, BenchStoreOptions& o) {
            c->add_option("--samples", o.options.ingest_samples, "samples to ingest")->check(CLI::Range(100000, 1000000000));
            c->add_option("--runs", o.options.runs, "runs to list")->check(CLI::Range(1, 1000000));
            c->add_option("--dir", o.options.dir, "folder for the scratch databases (default: the temp folder)");
        },
        [](BenchStoreOptions& o, const Common& c) {
            o.json = c.json;
            return run_bench_store(o);
        });
    add_one<BenchAmpOptions>(
        bench, "amp", "the same model trained in fp32 and bf16: step time, peak memory, accuracy", exit,
        [](CLI::App* c, BenchAmpOptions& o) {
            c->add_option("--preset", o.options.preset, "preset (default mlp-fashion)");
            c->add_option("--precisions", o.options.precisions, "precisions, the first is the reference")->delimiter(',');
            c->add_option("--steps", o.options.steps, "optimizer steps per precision")->check(CLI::Range(10, 1000000));
            c->add_option("--limit-test", o.options.limit_test, "evaluate on the first N test images");
        },
        [](BenchAmpOptions& o, const Common& c) {
            o.options.threads = threads_or(c, o.options.threads);
            o.json = c.json;
            return run_bench_amp(o);
        });
    add_one<BenchProfilerOptions>(
        bench, "profiler-overhead", "training step time with the profiler off and on, alternated", exit,
        [](CLI::App* c, BenchProfilerOptions& o) {
            c->add_option("--presets", o.options.presets, "presets (default mlp-fashion,cnn-fashion)")->delimiter(',');
            c->add_option("--rounds", o.options.rounds, "rounds per mode")->check(CLI::Range(3, 100000));
            c->add_option("--steps", o.options.steps_per_round, "steps per round (default: as many as fill --round-seconds)")
                ->check(CLI::Range(1, 100000));
            c->add_option("--round-seconds", o.options.round_seconds, "length of a round when --steps is not given")
                ->check(CLI::Range(0.05, 3600.0));
            c->add_option("--ops-window", o.options.profile.ops_window,
                          "share of each profiler period with operators recorded (1 = every op)")
                ->check(CLI::Range(0.01, 1.0));
            c->add_flag_callback("--no-ops", [&o] { o.options.profile.ops = false; }, "no operator profiling");
        },
        [](BenchProfilerOptions& o, const Common& c) {
            o.options.threads = threads_or(c, o.options.threads);
            o.json = c.json;
            return run_bench_profiler_overhead(o);
        });
    add_one<BenchInt8Options>(
        bench, "int8", "FP32 LibTorch path vs INT8 kernels on a preset's shapes, batch 1 and 64", exit,
        [](CLI::App* c, BenchInt8Options& o) {
            c->add_option("--preset", o.options.preset, "preset whose architecture to time (default mlp-fashion)");
            c->add_option("--seconds", o.options.seconds, "measuring time per point")->check(CLI::Range(0.1, 600.0));
        },
        [](BenchInt8Options& o, const Common& c) {
            o.options.threads = threads_or(c, o.options.threads);
            o.json = c.json;
            return run_bench_int8(o);
        });
}

}  // namespace sparq::cli

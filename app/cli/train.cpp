// sparq-cli train: trains a preset's model (or a config file's) and records the run.
#include <unistd.h>

#include <cstdio>

#include "cli.h"
#include "progress.h"

namespace sparq::cli {

namespace {

struct TrainOptions {
    std::string preset;
    SpecInput input;
    Common common;
    engine::ProfileOptions profile;
};

int run_train(const TrainOptions& o) {
    if (o.preset.empty() && o.input.config.empty()) throw engine::ConfigError("train needs --preset NAME or --config FILE.json");
    const engine::TrainSpec spec =
        merge_spec(o.preset.empty() ? engine::TrainSpec{} : engine::load_preset(o.preset), o.input, o.common);
    JobRunner runner(o.common, o.profile);
    ProgressSink sink(isatty(STDERR_FILENO) == 1 && !o.common.quiet, !o.common.quiet);
    const auto job = runner.engine().submit(spec, sink);
    const engine::JobEnd end = runner.wait(job);
    engine::TrainResult r;
    if (const auto* done = job.result<engine::TrainResult>()) r = *done;
    r.run_id = end.run_id;
    r.status = end.status;
    r.error = end.error;
    if (o.common.json) {
        std::printf("%s\n", engine::to_json(r).c_str());
    } else {
        std::printf("run %lld %s on %s: test accuracy %.4f after %d epochs, %.0f samples/s, %lld params, %.1f s\n"
                    "history: %s\n",
                    (long long)r.run_id, engine::to_string(r.status), end.device.c_str(), r.test_accuracy, r.epochs,
                    r.train_samples_per_s, (long long)r.params, r.wall_s, runner.db().c_str());
        if (!r.checkpoint.empty()) std::printf("checkpoint: %s\n", r.checkpoint.c_str());
    }
    std::fflush(stdout);
    return exit_code(end);
}

}  // namespace

void add_train(CLI::App& app, int& exit) {
    auto o = std::make_shared<TrainOptions>();
    auto* cmd = app.add_subcommand("train", "train a model and record the run in the history");
    cmd->add_option("--preset", o->preset, "preset name (see resources/presets)");
    add_spec_flags(cmd, o->input, engine::spec_fields<engine::TrainSpec>(),
                   {{"data_dir", "--data"}, {"epochs"}, {"limit_train"}, {"limit_test"}, {"seed"}, {"lr"},
                    {"batch_size"}, {"resume"}, {"active_fraction"}, {"gate"}});
    add_common(cmd, o->common, kJobFlags);
    cmd->add_option("--ops-window", o->profile.ops_window,
                    "share of each profiler period with operators recorded (default 0.2; 1 = every op)")
        ->check(CLI::Range(0.01, 1.0));
    cmd->callback([o, &exit] { exit = run_train(*o); });
}

}  // namespace sparq::cli

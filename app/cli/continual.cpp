// sparq-cli continual: a task sequence learned with EWC, beside plain fine-tuning.
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli.h"
#include "progress.h"

namespace sparq::cli {

namespace {

struct ContinualOptions {
    std::string preset = "permuted-fashion";
    SpecInput input;
    Common common;
};

int run_continual(const ContinualOptions& o) {
    const engine::ContinualSpec spec = merge_spec(engine::load_continual_preset(o.preset), o.input, o.common);
    JobRunner runner(o.common);
    ProgressSink sink(isatty(STDERR_FILENO) == 1 && !o.common.quiet, !o.common.quiet);
    const engine::JobEnd end = runner.wait(runner.engine().submit(spec, sink));
    if (end.status == engine::JobStatus::Failed) return exit_code(end);
    if (o.common.json) {
        std::printf("%s\n", end.summary_json.c_str());
    } else if (end.status == engine::JobStatus::Completed) {
        const auto j = nlohmann::json::parse(end.summary_json);
        std::printf("run %lld: %d %s tasks, lambda %g\n  EWC       average accuracy %.4f, retention %.4f\n",
                    (long long)end.run_id, j.value("tasks", 0), spec.scenario.c_str(), j.value("lambda", 0.0),
                    j.value("ewc_average_accuracy", 0.0), j.value("ewc_retention", 0.0));
        for (const char* m : {"finetune", "joint"}) {
            const std::string acc = std::string(m) + "_average_accuracy";
            if (j.contains(acc) && j[acc].is_number())
                std::printf("  %-9s average accuracy %.4f, retention %.4f\n", m, j[acc].get<double>(),
                            j.value(std::string(m) + "_retention", 0.0));
        }
    }
    std::fflush(stdout);
    return exit_code(end);
}

}  // namespace

void add_continual(CLI::App& app, int& exit) {
    auto o = std::make_shared<ContinualOptions>();
    auto* cmd = app.add_subcommand("continual", "learn a task sequence with EWC, beside plain fine-tuning");
    cmd->add_option("--preset", o->preset, "continual preset (resources/presets/continual; default permuted-fashion)");
    add_spec_flags(cmd, o->input, engine::spec_fields<engine::ContinualSpec>(),
                   {{"tasks"}, {"lambda"}, {"lambdas"}, {"online_gamma", "--online"}, {"baseline"}, {"scenario"},
                    {"epochs_per_task"}, {"fisher"}, {"fisher_samples"}, {"hidden"}, {"lr"}, {"seed"}, {"limit_train"},
                    {"limit_test"}, {"data_dir", "--data"}});
    add_common(cmd, o->common, kJobFlags);
    cmd->callback([o, &exit] { exit = run_continual(*o); });
}

}  // namespace sparq::cli

// sparq-cli sparsity sweep: a trained gated model at other active fractions, no retraining.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli.h"
#include "progress.h"

namespace sparq::cli {

namespace {

struct SweepOptions {
    SpecInput input;
    Common common;
};

int run_sweep(const SweepOptions& o) {
    const engine::SweepSpec spec = merge_spec(engine::SweepSpec{}, o.input, o.common);
    JobRunner runner(o.common, {}, /*record=*/spec.run_id > 0);
    LogSink sink([&o](const std::string& m) {
        if (!o.common.quiet) std::fprintf(stderr, "sparq-cli: %s\n", m.c_str());
    });
    const auto job = runner.engine().submit(spec, sink);
    const engine::JobEnd end = runner.wait(job);
    if (end.status != engine::JobStatus::Completed) return exit_code(end, /*input_is_2=*/true);
    const engine::SweepResult r = job.get();
    if (o.common.json) {
        const auto j = nlohmann::json::parse(engine::to_json(r));
        std::printf("%s\n", nlohmann::json{{"checkpoint", j["checkpoint"]}, {"points", j["points"]}}.dump().c_str());
        return 0;
    }
    for (const auto& p : r.points)
        std::printf("fraction %.3f: accuracy %.4f  b1 %.3f ms  b64 %.3f ms  active params %.3f\n", p.active_fraction,
                    p.test_accuracy, p.latency_ms_b1, p.latency_ms_b64, p.active_param_fraction);
    return 0;
}

}  // namespace

void add_sparsity(CLI::App& app, int& exit) {
    auto* group = app.add_subcommand("sparsity", "tune a trained gated model");
    group->require_subcommand(1);
    auto o = std::make_shared<SweepOptions>();
    auto* cmd = group->add_subcommand("sweep", "accuracy and latency at other active fractions, no retraining");
    add_spec_flags(cmd, o->input, engine::spec_fields<engine::SweepSpec>(),
                   {{"checkpoint"}, {"run"}, {"fractions"}, {"limit_test"}}, /*config=*/false);
    add_common(cmd, o->common, kDb | kThreads | kDevice | kJson | kQuiet);
    cmd->callback([o, &exit] { exit = run_sweep(*o); });
}

void add_devices(CLI::App& app, int& exit) {
    auto json = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("devices", "where jobs can run on this machine, and why not on a GPU");
    cmd->add_flag("--json", *json, "print one JSON object");
    cmd->callback([json, &exit] {
        const auto devices = engine::available_devices();
        const std::string why = engine::cuda_unavailable_reason();
        const std::string auto_device = engine::resolve_device("auto").label;
        if (*json) {
            std::printf("%s\n", nlohmann::json{{"devices", devices}, {"auto", auto_device}, {"cuda", why.empty()},
                                               {"cuda_unavailable", why}}.dump().c_str());
        } else {
            for (const auto& d : devices) std::printf("%s\n", d.c_str());
            std::printf("auto: %s\n", auto_device.c_str());
            if (!why.empty()) std::printf("no CUDA: %s\n", why.c_str());
        }
        exit = 0;
    });
}

}  // namespace sparq::cli

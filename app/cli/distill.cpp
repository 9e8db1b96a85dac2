// sparq-cli distill: a teacher distilled into a small student in three stages, with baselines.
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli.h"
#include "progress.h"

namespace sparq::cli {

namespace {

struct DistillOptions {
    std::string teacher;  // run id, checkpoint path or preset
    SpecInput input;
    Common common;
};

// The teacher: a run id of this history, a checkpoint file, or a preset to train first.
void set_teacher(engine::DistillSpec& spec, const std::string& teacher, const std::string& db) {
    if (teacher.empty()) return;
    if (teacher.find_first_not_of("0123456789") == std::string::npos) {
        for (const auto& a : profiler::RunReader(db).artifacts(std::stoll(teacher)))
            if (a.kind == "checkpoint") spec.teacher_checkpoint = a.path;
        if (spec.teacher_checkpoint.empty())
            throw engine::ConfigError("distill: run " + teacher + " has no checkpoint in " + db);
    } else if (teacher.find('/') != std::string::npos ||
               (teacher.size() > 3 && teacher.compare(teacher.size() - 3, 3, ".pt") == 0)) {
        spec.teacher_checkpoint = teacher;
    } else {
        spec.teacher_preset = teacher;
    }
}

int run_distill(const DistillOptions& o) {
    engine::DistillSpec spec = merge_spec(engine::DistillSpec{}, o.input, o.common);
    JobRunner runner(o.common);
    set_teacher(spec, o.teacher, runner.db());
    ProgressSink sink(isatty(STDERR_FILENO) == 1 && !o.common.quiet, !o.common.quiet);
    const engine::JobEnd end = runner.wait(runner.engine().submit(spec, sink));
    if (end.status == engine::JobStatus::Failed) return exit_code(end);
    if (o.common.json) {
        std::printf("%s\n", end.summary_json.c_str());
    } else if (end.status == engine::JobStatus::Completed) {
        const auto j = nlohmann::json::parse(end.summary_json);
        std::printf("run %lld: teacher %.4f (%lld params), student %.4f (%lld params), ratio %.4f\n"
                    "logit-only %.4f, student alone %.4f, gap recovered %.3f, %lld labelled, %d seed(s)\n",
                    (long long)end.run_id, j.value("teacher_accuracy", 0.0), (long long)j.value("teacher_params", 0LL),
                    j.value("student_accuracy", 0.0), (long long)j.value("student_params", 0LL), j.value("ratio", 0.0),
                    j.value("logit_only_accuracy", 0.0), j.value("student_alone_accuracy", 0.0),
                    j.value("gap_recovered", 0.0), (long long)j.value("labelled", 0LL), j.value("seeds", 1));
    }
    std::fflush(stdout);
    return exit_code(end);
}

}  // namespace

void add_distill(CLI::App& app, int& exit) {
    auto o = std::make_shared<DistillOptions>();
    auto* cmd = app.add_subcommand("distill", "distil a teacher into a small student in three stages, with baselines");
    cmd->add_option("--teacher", o->teacher, "teacher: a run id, a checkpoint path or a preset (default cnn-fashion)");
    add_spec_flags(cmd, o->input, engine::spec_fields<engine::DistillSpec>(),
                   {{"teacher_epochs"}, {"student_preset", "--student"}, {"labelled"}, {"seeds"}, {"stage1_epochs"},
                    {"stage2_epochs"}, {"stage3_epochs"}, {"hint_loss"}, {"alpha"}, {"temperature"},
                    {"baselines", "--no-baseline", "false"}, {"limit_test"}, {"data_dir", "--data"}});
    add_common(cmd, o->common, kJobFlags);
    cmd->callback([o, &exit] { exit = run_distill(*o); });
}

}  // namespace sparq::cli

// sparq-cli distill.
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "progress.h"
#include "sparq/engine/errors.h"

namespace sparq::cli {

int run_distill(const DistillOptions& o) {
    engine::DistillSpec spec = o.spec;
    JobRunner runner(o.db, o.workspace);
    // The teacher: a run id of this history, a checkpoint file, or a preset to train first.
    if (!o.teacher.empty()) {
        if (o.teacher.find_first_not_of("0123456789") == std::string::npos) {
            profiler::RunReader reader(runner.db());
            for (const auto& a : reader.artifacts(std::stoll(o.teacher)))
                if (a.kind == "checkpoint") spec.teacher_checkpoint = a.path;
            if (spec.teacher_checkpoint.empty())
                throw engine::ConfigError("distill: run " + o.teacher + " has no checkpoint in " + runner.db());
        } else if (o.teacher.find('/') != std::string::npos ||
                   (o.teacher.size() > 3 && o.teacher.compare(o.teacher.size() - 3, 3, ".pt") == 0)) {
            spec.teacher_checkpoint = o.teacher;
        } else {
            spec.teacher_preset = o.teacher;
        }
    }
    ProgressSink sink(isatty(STDERR_FILENO) == 1 && !o.quiet, !o.quiet);
    return finish_summarized(
        runner, runner.engine().submit_distill(spec, sink), o.json, [](const std::string& summary, std::int64_t run_id) {
            const auto j = nlohmann::json::parse(summary);
            std::printf("run %lld: teacher %.4f (%lld params), student %.4f (%lld params), ratio %.4f\n"
                        "logit-only %.4f, student alone %.4f, gap recovered %.3f, %lld labelled, %d seed(s)\n",
                        (long long)run_id, j.value("teacher_accuracy", 0.0), (long long)j.value("teacher_params", 0LL),
                        j.value("student_accuracy", 0.0), (long long)j.value("student_params", 0LL),
                        j.value("ratio", 0.0), j.value("logit_only_accuracy", 0.0),
                        j.value("student_alone_accuracy", 0.0), j.value("gap_recovered", 0.0),
                        (long long)j.value("labelled", 0LL), j.value("seeds", 1));
        });
}

}  // namespace sparq::cli

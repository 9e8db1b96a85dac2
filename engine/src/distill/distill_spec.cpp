#include "spec/field_table.h"
#include "sparq/engine/distill.h"

namespace sparq::engine {

namespace {

using spec::float_field;
using spec::int_field;
using spec::text_field;

const spec::FieldTable<DistillSpec>& distill_table() {
#define F(info, member) SPARQ_FIELD(DistillSpec, info, member)
    static const spec::FieldTable<DistillSpec> t("distill", "distill", "distillation", {
        F(text_field("teacher_checkpoint", "trained teacher (a run's checkpoint.pt)"), teacher_checkpoint),
        F(text_field("teacher_preset", "teacher preset, trained first when no checkpoint is given"), teacher_preset),
        F(int_field("teacher_epochs", 1, 1000, "epochs when the teacher is trained first"), teacher_epochs),
        F(text_field("student_preset", "student preset"), student_preset),
        F(int_field("labelled", 1, 1e9, "the first N training images keep their labels"), labelled),
        F(int_field("seeds", 1, 20, "repeat with K seeds; accuracies are means, *_std added"), seeds),
        F(int_field("stage1_epochs", 0, 1000, "structure alignment epochs"), stage1_epochs),
        F(int_field("stage2_epochs", 0, 1000, "task distillation epochs"), stage2_epochs),
        F(int_field("stage3_epochs", 0, 1000, "adaptive distillation epochs"), stage3_epochs),
        F(spec::choice_field("hint_loss", {"mse", "cosine"}, "stage 1's hint loss"), hint_loss),
        F(int_field("hint_student_point", -1, 64, "the student feature aligned (-1: the last hidden)"), hint_student_point),
        F(int_field("hint_teacher_point", -1, 64, "the teacher feature it is aligned to (-1: the last hidden)"), hint_teacher_point),
        F(float_field("alpha", 0.0, 1.0, "stage 2 weight of the distillation term"), alpha),
        F(float_field("temperature", 1e-6, 100.0, "distillation temperature, in (0, 100]"), temperature),
        F(float_field("agreement_discount", 0.0, 1.0, "stage 3: alpha shrinks by this share where the student agrees"), agreement_discount),
        F(spec::bool_field("baselines", "also train the label-only and logit-only students"), baselines),
        F(int_field("threads", 1, 256, "CPU threads"), threads),
        F(int_field("limit_test", 0, 1e9, "evaluate on the first N test images (0 = all)"), limit_test),
        F(text_field("data_dir", "folder of Fashion-MNIST IDX files (empty = default)"), data_dir),
        F(spec::device_field(), device),
    });
#undef F
    return t;
}

}  // namespace

SPARQ_DEFINE_SPEC_FIELDS(DistillSpec, distill_table)

void validate(const DistillSpec& s) {
    distill_table().check(s);
    if (s.stage1_epochs + s.stage2_epochs + s.stage3_epochs < 1)
        throw ConfigError("distill: stage epochs must be >= 0 with at least one epoch in all");
}

std::string to_json(const DistillResult& r) {
    nlohmann::json j{{"run_id", r.run_id},
                     {"status", r.status},
                     {"teacher_accuracy", r.teacher_accuracy},
                     {"student_accuracy", r.student_accuracy},
                     {"logit_only_accuracy", r.logit_only_accuracy},
                     {"student_alone_accuracy", r.student_alone_accuracy},
                     {"ratio", r.ratio},
                     {"gap_recovered", r.gap_recovered},
                     {"teacher_params", r.teacher_params},
                     {"student_params", r.student_params},
                     {"labelled", r.labelled},
                     {"seeds", r.seeds},
                     {"steps", r.steps},
                     {"device", r.device},
                     {"wall_s", r.wall_s}};
    if (r.seeds > 1) {
        j["student_accuracy_std"] = r.student_accuracy_std;
        j["logit_only_accuracy_std"] = r.logit_only_accuracy_std;
        j["student_alone_accuracy_std"] = r.student_alone_accuracy_std;
    }
    if (!r.error.empty()) j["error"] = r.error;
    return j.dump();
}

}  // namespace sparq::engine

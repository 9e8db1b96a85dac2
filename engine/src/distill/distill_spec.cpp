#include <nlohmann/json.hpp>

#include "sparq/engine/distill.h"
#include "sparq/engine/errors.h"

namespace sparq::engine {

void validate(const DistillSpec& s) {
    auto bad = [](const std::string& f, const std::string& why) { throw ConfigError("distill: " + f + " " + why); };
    if (s.labelled < 1) bad("labelled", "must be >= 1");
    if (s.seeds < 1 || s.seeds > 20) bad("seeds", "must be in [1, 20]");
    if (s.stage1_epochs < 0 || s.stage2_epochs < 0 || s.stage3_epochs < 0 ||
        s.stage1_epochs + s.stage2_epochs + s.stage3_epochs < 1)
        bad("stage epochs", "must be >= 0 with at least one epoch in all");
    if (s.hint_loss != "mse" && s.hint_loss != "cosine") bad("hint_loss", "must be mse or cosine");
    if (!(s.alpha >= 0 && s.alpha <= 1)) bad("alpha", "must be in [0, 1]");
    if (!(s.temperature > 0 && s.temperature <= 100)) bad("temperature", "must be in (0, 100]");
    if (!(s.agreement_discount >= 0 && s.agreement_discount <= 1)) bad("agreement_discount", "must be in [0, 1]");
    if (s.teacher_epochs < 1) bad("teacher_epochs", "must be >= 1");
    if (s.threads < 1 || s.threads > 256) bad("threads", "must be in [1, 256]");
}

void apply_json(DistillSpec& s, const std::string& text, const std::string& what) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        throw ConfigError(what + ": not valid JSON (" + e.what() + ")");
    }
    if (!j.is_object()) throw ConfigError(what + ": expected a JSON object");
    for (const auto& [key, v] : j.items()) {
        try {
            if (key == "kind") continue;
            else if (key == "teacher_checkpoint") v.get_to(s.teacher_checkpoint);
            else if (key == "teacher_preset") v.get_to(s.teacher_preset);
            else if (key == "teacher_epochs") v.get_to(s.teacher_epochs);
            else if (key == "student_preset") v.get_to(s.student_preset);
            else if (key == "labelled") v.get_to(s.labelled);
            else if (key == "seeds") v.get_to(s.seeds);
            else if (key == "stage1_epochs") v.get_to(s.stage1_epochs);
            else if (key == "stage2_epochs") v.get_to(s.stage2_epochs);
            else if (key == "stage3_epochs") v.get_to(s.stage3_epochs);
            else if (key == "hint_loss") v.get_to(s.hint_loss);
            else if (key == "hint_student_point") v.get_to(s.hint_student_point);
            else if (key == "hint_teacher_point") v.get_to(s.hint_teacher_point);
            else if (key == "alpha") v.get_to(s.alpha);
            else if (key == "temperature") v.get_to(s.temperature);
            else if (key == "agreement_discount") v.get_to(s.agreement_discount);
            else if (key == "baselines") v.get_to(s.baselines);
            else if (key == "threads") v.get_to(s.threads);
            else if (key == "limit_test") v.get_to(s.limit_test);
            else throw ConfigError(what + ": unknown key '" + key + "'");
        } catch (const nlohmann::json::exception&) {
            throw ConfigError(what + ": '" + key + "' has the wrong type");
        }
    }
    validate(s);
}

std::string to_json(const DistillSpec& s) {
    return nlohmann::json{{"kind", "distill"},
                          {"teacher_checkpoint", s.teacher_checkpoint},
                          {"teacher_preset", s.teacher_preset},
                          {"teacher_epochs", s.teacher_epochs},
                          {"student_preset", s.student_preset},
                          {"labelled", s.labelled},
                          {"seeds", s.seeds},
                          {"stage1_epochs", s.stage1_epochs},
                          {"stage2_epochs", s.stage2_epochs},
                          {"stage3_epochs", s.stage3_epochs},
                          {"hint_loss", s.hint_loss},
                          {"hint_student_point", s.hint_student_point},
                          {"hint_teacher_point", s.hint_teacher_point},
                          {"alpha", s.alpha},
                          {"temperature", s.temperature},
                          {"agreement_discount", s.agreement_discount},
                          {"baselines", s.baselines}}
        .dump();
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

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "spec/field_table.h"
#include "sparq/engine/continual.h"
#include "sparq/engine/train.h"

namespace sparq::engine {

using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

using spec::choice_field;
using spec::float_field;
using spec::int_field;
using spec::text_field;

const spec::FieldTable<ContinualSpec>& continual_table() {
#define F(info, member) SPARQ_FIELD(ContinualSpec, info, member)
    static const spec::FieldTable<ContinualSpec> t("continual", "continual", "continual-learning", {
        F(text_field("name", "run name (empty: '<scenario> fashion x<tasks> ewc')"), name),
        F(text_field("preset", "the continual preset this came from"), preset),
        F(text_field("description", "what the preset is for"), description),
        F(choice_field("scenario", {"permuted", "split-task", "split-class"}, "permuted, split-task or split-class", true), scenario),
        F(int_field("tasks", 1, 50, "tasks in the sequence (split scenarios: at most 5)", true), tasks),
        F(int_field("task_seed", 0, 4294967295.0, "seed of the pixel permutations"), task_seed),
        F(spec::int_list_field("hidden", 1, 8192, "hidden widths, comma-separated (1 to 8 layers)"), hidden),
        F(choice_field("optimizer", {"adam", "sgd"}, "optimizer (a fresh one for every task)"), optimizer),
        F(float_field("lr", 1e-9, 10.0, "learning rate"), lr),
        F(float_field("momentum", 0.0, 0.9999, "SGD momentum"), momentum),
        F(int_field("batch_size", 1, 65536, "batch size"), batch_size),
        F(int_field("epochs_per_task", 1, 1000, "epochs per task", true), epochs_per_task),
        F(int_field("seed", 0, 4294967295.0, "random seed"), seed),
        F(float_field("lambda", 0.0, 1e12, "EWC penalty weight", true), lambda),
        F(spec::float_list_field("lambdas", 0.0, 1e12, "lambda per task (missing tasks: lambda)"), lambdas),
        F(float_field("online_gamma", 0.0, 1.0, "online EWC's decay (0 = a penalty per task)"), online_gamma),
        F(choice_field("fisher", {"empirical", "true"}, "empirical or true Fisher"), fisher),
        F(int_field("fisher_samples", 1, 60000, "images per Fisher estimate"), fisher_samples),
        F(choice_field("baseline", {"finetune", "joint", "none"}, "finetune, joint (fine-tuning and joint training) or none"), baseline),
        F(int_field("threads", 1, 256, "CPU threads"), threads),
        F(int_field("limit_train", 0, 1e9, "per task: first N training images (0 = all)"), limit_train),
        F(int_field("limit_test", 0, 1e9, "per task: first N test images (0 = all)"), limit_test),
        F(text_field("data_dir", "folder of Fashion-MNIST IDX files (empty = default)"), data_dir),
        F(spec::device_field(), device),
    });
#undef F
    return t;
}

}  // namespace

SPARQ_DEFINE_SPEC_FIELDS(ContinualSpec, continual_table)

void validate(const ContinualSpec& s) {
    continual_table().check(s);
    if (s.scenario != "permuted" && s.tasks > 5)
        throw ConfigError("continual: 'tasks' must be in [1, 5] for split Fashion-MNIST (two classes per task)");
    if (s.hidden.empty() || s.hidden.size() > 8) throw ConfigError("continual: 'hidden' needs 1 to 8 widths");
}

std::vector<std::string> list_continual_presets() {
    std::vector<std::string> names;
    for (const std::string& dir : preset_dirs()) {
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(fs::path(dir) / "continual", ec)) {
            if (e.path().extension() != ".json") continue;
            const std::string n = e.path().stem().string();
            if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

ContinualSpec load_continual_preset(const std::string& name) {
    for (const std::string& dir : preset_dirs()) {
        const fs::path p = fs::path(dir) / "continual" / (name + ".json");
        std::ifstream in(p);
        if (!in) continue;
        std::stringstream ss;
        ss << in.rdbuf();
        ContinualSpec spec;
        spec.preset = name;
        apply_json(spec, ss.str(), "continual preset " + name + " (" + p.string() + ")");
        validate(spec);
        return spec;
    }
    std::string known;
    for (const auto& n : list_continual_presets()) known += (known.empty() ? "" : ", ") + n;
    throw ConfigError("unknown continual preset '" + name + "' (available: " + (known.empty() ? "none found" : known) + ")");
}

ContinualMetrics summarize(const std::vector<std::vector<double>>& R) {
    const std::size_t T = R.size();
    if (T == 0) throw ConfigError("continual: empty accuracy matrix");
    for (const auto& row : R)
        if (row.size() != T) throw ConfigError("continual: the accuracy matrix is not square");
    ContinualMetrics m;
    for (std::size_t j = 0; j < T; ++j) {
        m.average_accuracy += R[T - 1][j];
        m.just_trained_average += R[j][j];
    }
    m.average_accuracy /= double(T);
    m.just_trained_average /= double(T);
    m.retention = m.just_trained_average > 0 ? m.average_accuracy / m.just_trained_average : 0.0;
    for (std::size_t j = 0; j + 1 < T; ++j) {
        m.backward_transfer += R[T - 1][j] - R[j][j];
        double best = R[j][j];
        for (std::size_t i = j; i + 1 < T; ++i) best = std::max(best, R[i][j]);
        m.forgetting.push_back(best - R[T - 1][j]);
    }
    if (T > 1) m.backward_transfer /= double(T - 1);
    return m;
}

namespace {

void put_run(json& j, const std::string& prefix, const ContinualRun& r, bool present) {
    if (!present) {
        j[prefix + "_average_accuracy"] = nullptr;
        j[prefix + "_retention"] = nullptr;
        return;
    }
    j[prefix + "_average_accuracy"] = r.metrics.average_accuracy;
    j[prefix + "_retention"] = r.metrics.retention;
    j[prefix + "_backward_transfer"] = r.metrics.backward_transfer;
    j[prefix + "_forgetting"] = r.metrics.forgetting;
    j[prefix + "_just_trained_average"] = r.metrics.just_trained_average;
    j[prefix + "_wall_s"] = r.wall_s;
    j[prefix == "ewc" ? std::string("accuracy_matrix") : prefix + "_accuracy_matrix"] = r.accuracy_matrix;
}

}  // namespace

std::string to_json(const ContinualResult& r) {
    json j{{"run_id", r.run_id},
           {"status", r.status},
           {"scenario", r.scenario},
           {"tasks", r.tasks},
           {"lambda", r.lambda},
           {"online_gamma", r.online_gamma},
           {"params", r.params},
           {"device", r.device},
           {"wall_s", r.wall_s}};
    put_run(j, "ewc", r.ewc, true);
    put_run(j, "finetune", r.finetune, r.has_finetune);
    if (r.has_joint) put_run(j, "joint", r.joint, true);
    json fisher = json::array();
    for (const auto& f : r.fisher) fisher.push_back({{"task", f.task}, {"param", f.param}, {"mean", f.mean}, {"max", f.max}});
    j["fisher"] = std::move(fisher);
    return j.dump();
}

}  // namespace sparq::engine

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sparq/engine/continual.h"
#include "sparq/engine/errors.h"
#include "sparq/engine/specs.h"

namespace sparq::engine {

using json = nlohmann::json;
namespace fs = std::filesystem;

void validate(const ContinualSpec& s) {
    auto bad = [](const std::string& f, const std::string& why) { throw ConfigError("continual: " + f + " " + why); };
    if (s.scenario != "permuted" && s.scenario != "split-task" && s.scenario != "split-class")
        bad("scenario", "must be permuted, split-task or split-class");
    if (s.scenario == "permuted" && (s.tasks < 1 || s.tasks > 50)) bad("tasks", "must be in [1, 50]");
    if (s.scenario != "permuted" && (s.tasks < 1 || s.tasks > 5))
        bad("tasks", "must be in [1, 5] for split Fashion-MNIST (two classes per task)");
    if (s.hidden.empty() || s.hidden.size() > 8) bad("hidden", "needs 1 to 8 widths");
    for (int h : s.hidden)
        if (h < 1 || h > 8192) bad("hidden", "widths must be in [1, 8192]");
    if (s.optimizer != "sgd" && s.optimizer != "adam") bad("optimizer", "must be sgd or adam");
    if (!(s.lr > 0 && s.lr <= 10)) bad("lr", "must be in (0, 10]");
    if (!(s.momentum >= 0 && s.momentum < 1)) bad("momentum", "must be in [0, 1)");
    if (s.batch_size < 1 || s.batch_size > 65536) bad("batch_size", "must be in [1, 65536]");
    if (s.epochs_per_task < 1 || s.epochs_per_task > 1000) bad("epochs_per_task", "must be in [1, 1000]");
    if (!(s.lambda >= 0 && std::isfinite(s.lambda))) bad("lambda", "must be a finite number >= 0");
    for (double l : s.lambdas)
        if (!(l >= 0 && std::isfinite(l))) bad("lambdas", "must be finite numbers >= 0");
    if (!(s.online_gamma >= 0 && s.online_gamma <= 1)) bad("online_gamma", "must be in [0, 1] (0 = one penalty per task)");
    if (s.fisher != "empirical" && s.fisher != "true") bad("fisher", "must be empirical or true");
    if (s.fisher_samples < 1 || s.fisher_samples > 60000) bad("fisher_samples", "must be in [1, 60000]");
    if (s.baseline != "finetune" && s.baseline != "joint" && s.baseline != "none")
        bad("baseline", "must be finetune, joint or none");
    if (s.threads < 1 || s.threads > 256) bad("threads", "must be in [1, 256]");
    if (s.limit_train < 0 || s.limit_test < 0) bad("limit_train/limit_test", "must be >= 0");
}

void apply_json(ContinualSpec& s, const std::string& text, const std::string& what) {
    json j;
    try {
        j = json::parse(text);
    } catch (const json::exception& e) {
        throw ConfigError(what + ": not valid JSON (" + e.what() + ")");
    }
    if (!j.is_object()) throw ConfigError(what + ": expected a JSON object");
    for (const auto& [key, v] : j.items()) {
        try {
            if (key == "kind") {
                if (v != "continual") throw ConfigError(what + ": 'kind' = " + v.dump() + " is not a continual job");
            } else if (key == "description") {
                // for people choosing a preset
            } else if (key == "name") v.get_to(s.name);
            else if (key == "preset") v.get_to(s.preset);
            else if (key == "data_dir") v.get_to(s.data_dir);
            else if (key == "scenario") v.get_to(s.scenario);
            else if (key == "tasks") v.get_to(s.tasks);
            else if (key == "task_seed") v.get_to(s.task_seed);
            else if (key == "hidden") v.get_to(s.hidden);
            else if (key == "optimizer") v.get_to(s.optimizer);
            else if (key == "lr") v.get_to(s.lr);
            else if (key == "momentum") v.get_to(s.momentum);
            else if (key == "batch_size") v.get_to(s.batch_size);
            else if (key == "epochs_per_task") v.get_to(s.epochs_per_task);
            else if (key == "seed") v.get_to(s.seed);
            else if (key == "lambda") v.get_to(s.lambda);
            else if (key == "lambdas") v.get_to(s.lambdas);
            else if (key == "online_gamma") v.get_to(s.online_gamma);
            else if (key == "fisher") v.get_to(s.fisher);
            else if (key == "fisher_samples") v.get_to(s.fisher_samples);
            else if (key == "baseline") v.get_to(s.baseline);
            else if (key == "threads") v.get_to(s.threads);
            else if (key == "limit_train") v.get_to(s.limit_train);
            else if (key == "limit_test") v.get_to(s.limit_test);
            else throw ConfigError(what + ": unknown key '" + key + "'");
        } catch (const json::exception&) {
            throw ConfigError(what + ": '" + key + "' has the wrong type");
        }
    }
    validate(s);
}

std::string to_json(const ContinualSpec& s) {
    return json{{"kind", "continual"},
                {"name", s.name},
                {"preset", s.preset},
                {"scenario", s.scenario},
                {"tasks", s.tasks},
                {"task_seed", s.task_seed},
                {"hidden", s.hidden},
                {"optimizer", s.optimizer},
                {"lr", s.lr},
                {"momentum", s.momentum},
                {"batch_size", s.batch_size},
                {"epochs_per_task", s.epochs_per_task},
                {"seed", s.seed},
                {"lambda", s.lambda},
                {"lambdas", s.lambdas},
                {"online_gamma", s.online_gamma},
                {"fisher", s.fisher},
                {"fisher_samples", s.fisher_samples},
                {"baseline", s.baseline},
                {"limit_train", s.limit_train},
                {"limit_test", s.limit_test}}
        .dump();
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

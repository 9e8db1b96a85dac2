// TrainSpec fields: one table drives JSON loading, text parsing (CLI, GUI) and validation.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <sstream>

#include "sparq/engine/errors.h"
#include "sparq/engine/specs.h"

namespace sparq::engine {

using nlohmann::json;

namespace {

struct FieldDef {
    FieldInfo info;
    std::function<void(TrainSpec&, const json&)> set;  // value already type/range checked
    std::function<json(const TrainSpec&)> get;
};

FieldInfo int_field(std::string key, double min, double max, std::string help, bool main = false) {
    return {std::move(key), FieldType::Int, min, max, {}, std::move(help), main};
}
FieldInfo float_field(std::string key, double min, double max, std::string help,
                      bool main = false) {
    return {std::move(key), FieldType::Float, min, max, {}, std::move(help), main};
}
FieldInfo choice_field(std::string key, std::vector<std::string> choices, std::string help,
                       bool main = false) {
    return {std::move(key), FieldType::Choice, 0, 0, std::move(choices), std::move(help), main};
}

#define SPARQ_FIELD(info, member)                                                  \
    FieldDef {                                                                     \
        info, [](TrainSpec& s, const json& v) { v.get_to(s.member); },             \
            [](const TrainSpec& s) { return json(s.member); }                      \
    }

const std::vector<FieldDef>& defs() {
    static const std::vector<FieldDef> d = {
        SPARQ_FIELD((FieldInfo{"name", FieldType::Text, 0, 0, {}, "run name shown in the history"}), name),
        SPARQ_FIELD((FieldInfo{"preset", FieldType::Text, 0, 0, {}, "preset the job came from"}), preset),
        SPARQ_FIELD((FieldInfo{"description", FieldType::Text, 0, 0, {}, "what the job is for"}), description),
        SPARQ_FIELD(choice_field("model", {"mlp", "cnn", "gated-mlp"}, "model architecture", true), model),
        SPARQ_FIELD((FieldInfo{"hidden", FieldType::IntList, 1, 65536, {}, "MLP hidden layer widths"}), hidden),
        SPARQ_FIELD((FieldInfo{"channels", FieldType::IntList, 1, 1024, {}, "CNN conv channels per block"}), channels),
        SPARQ_FIELD(int_field("fc", 1, 65536, "CNN fully connected width"), fc),
        SPARQ_FIELD(choice_field("optimizer", {"adam", "sgd"}, "optimizer", true), optimizer),
        SPARQ_FIELD(float_field("lr", 1e-7, 10.0, "learning rate", true), lr),
        SPARQ_FIELD(float_field("momentum", 0.0, 0.9999, "SGD momentum"), momentum),
        SPARQ_FIELD(float_field("weight_decay", 0.0, 1.0, "L2 weight decay"), weight_decay),
        SPARQ_FIELD(int_field("batch_size", 1, 65536, "training batch size", true), batch_size),
        SPARQ_FIELD(int_field("epochs", 1, 10000, "training epochs", true), epochs),
        SPARQ_FIELD(int_field("seed", 0, 4294967295.0, "random seed (init, shuffling)", true), seed),
        SPARQ_FIELD(int_field("threads", 1, 256, "intra-op CPU threads", true), threads),
        SPARQ_FIELD(int_field("limit_train", 0, 1e9, "use the first N training images (0 = all)", true), limit_train),
        SPARQ_FIELD(int_field("limit_test", 0, 1e9, "evaluate on the first N test images (0 = all)"), limit_test),
        SPARQ_FIELD((FieldInfo{"data_dir", FieldType::Text, 0, 0, {}, "folder of Fashion-MNIST IDX files (empty = default)"}), data_dir),
        SPARQ_FIELD((FieldInfo{"resume", FieldType::Text, 0, 0, {}, "checkpoint to resume from"}), resume),
        SPARQ_FIELD((FieldInfo{"checkpoint", FieldType::Bool, 0, 0, {}, "write a checkpoint every epoch"}), checkpoint),
        SPARQ_FIELD(int_field("blocks", 1, 4096, "gated-mlp: blocks (experts) per gated layer"), blocks),
        SPARQ_FIELD(int_field("groups", 1, 256, "gated-mlp: coarse-gate groups of blocks"), groups),
        SPARQ_FIELD(float_field("active_fraction", 0.001, 1.0, "gated-mlp: share of blocks kept per input (top-k)", true), active_fraction),
        SPARQ_FIELD(choice_field("precision", {"fp32", "bf16", "fp16"}, "training precision (autocast; FP32 master weights)", true), precision),
        SPARQ_FIELD(choice_field("loss_scaling", {"auto", "on", "off"}, "dynamic loss scaling (auto: on for fp16)"), loss_scaling),
        SPARQ_FIELD(float_field("loss_scale_init", 1.0, 16777216.0, "initial loss scale"), loss_scale_init),
        SPARQ_FIELD(int_field("loss_scale_interval", 1, 1000000, "clean steps before the loss scale doubles"), loss_scale_interval),
        SPARQ_FIELD(choice_field("gate", {"st", "reinforce"}, "gated-mlp: gate training (straight-through top-k or REINFORCE)", true), gate),
        SPARQ_FIELD(choice_field("gate_mode", {"topk", "threshold"}, "gated-mlp: keep the top-k blocks or every block above a score"), gate_mode),
        SPARQ_FIELD(float_field("gate_threshold", 0.0, 1.0, "gated-mlp: threshold mode's minimum block score"), gate_threshold),
        SPARQ_FIELD(float_field("balance_weight", 0.0, 100.0, "gated-mlp: weight of the load-balancing loss"), balance_weight),
        SPARQ_FIELD(float_field("sparsity_weight", 0.0, 100.0, "gated-mlp: weight of the active-fraction target term"), sparsity_weight),
        SPARQ_FIELD(float_field("active_band", 0.0, 1.0, "alert when a layer's observed active fraction leaves active_fraction +- band"), active_band),
    };
    return d;
}
#undef SPARQ_FIELD

const FieldDef& find_def(const std::string& key, const std::string& origin) {
    for (const FieldDef& d : defs())
        if (d.info.key == key) return d;
    std::string known;
    for (const FieldDef& d : defs()) known += (known.empty() ? "" : ", ") + d.info.key;
    throw ConfigError(origin + ": unknown key '" + key + "' (known keys: " + known + ")");
}

std::string fmt_num(double v) {
    std::ostringstream o;
    o << v;
    return o.str();
}

// Checks a JSON value against a field's type and range; throws naming origin and key.
void check_value(const FieldInfo& f, const json& v, const std::string& origin) {
    const std::string where = origin + ": '" + f.key + "'";
    auto in_range = [&](double x) {
        if (!(x >= f.min && x <= f.max))
            throw ConfigError(where + " = " + fmt_num(x) + " is out of range [" + fmt_num(f.min) +
                              ", " + fmt_num(f.max) + "]");
    };
    switch (f.type) {
    case FieldType::Int:
        if (!v.is_number_integer() && !v.is_number_unsigned())
            throw ConfigError(where + " must be an integer, got " + v.dump());
        in_range(v.get<double>());
        break;
    case FieldType::Float:
        if (!v.is_number()) throw ConfigError(where + " must be a number, got " + v.dump());
        in_range(v.get<double>());
        break;
    case FieldType::Text:
        if (!v.is_string()) throw ConfigError(where + " must be a string, got " + v.dump());
        break;
    case FieldType::Bool:
        if (!v.is_boolean()) throw ConfigError(where + " must be true or false, got " + v.dump());
        break;
    case FieldType::Choice:
        if (!v.is_string() ||
            std::find(f.choices.begin(), f.choices.end(), v.get<std::string>()) == f.choices.end()) {
            std::string c;
            for (const auto& x : f.choices) c += (c.empty() ? "" : ", ") + x;
            throw ConfigError(where + " = " + v.dump() + " is not one of: " + c);
        }
        break;
    case FieldType::IntList:
        if (!v.is_array() || v.empty())
            throw ConfigError(where + " must be a non-empty list of integers, got " + v.dump());
        for (const json& x : v) {
            if (!x.is_number_integer())
                throw ConfigError(where + " must contain integers only, got " + x.dump());
            in_range(x.get<double>());
        }
        break;
    }
}

json parse_text(const FieldInfo& f, const std::string& text, const std::string& origin) {
    const std::string where = origin + ": '" + f.key + "'";
    auto number = [&]() -> json {
        std::size_t used = 0;
        try {
            if (f.type == FieldType::Int) {
                const long long v = std::stoll(text, &used);
                if (used == text.size()) return json(v);
            } else {
                const double v = std::stod(text, &used);
                if (used == text.size()) return json(v);
            }
        } catch (const std::exception&) {
        }
        throw ConfigError(where + " = '" + text + "' is not " +
                          (f.type == FieldType::Int ? "an integer" : "a number"));
    };
    switch (f.type) {
    case FieldType::Int:
    case FieldType::Float: return number();
    case FieldType::Text:
    case FieldType::Choice: return json(text);
    case FieldType::Bool:
        if (text == "true" || text == "1" || text == "yes" || text == "on") return json(true);
        if (text == "false" || text == "0" || text == "no" || text == "off") return json(false);
        throw ConfigError(where + " = '" + text + "' is not true or false");
    case FieldType::IntList: {
        json list = json::array();
        std::stringstream ss(text);
        std::string item;
        while (std::getline(ss, item, ',')) {
            item.erase(0, item.find_first_not_of(" \t"));
            item.erase(item.find_last_not_of(" \t") + 1);
            try {
                std::size_t used = 0;
                const long long v = std::stoll(item, &used);
                if (used != item.size()) throw std::invalid_argument(item);
                list.push_back(v);
            } catch (const std::exception&) {
                throw ConfigError(where + " = '" + text +
                                  "' must be a comma-separated list of integers");
            }
        }
        return list;
    }
    }
    return json();
}

}  // namespace

const std::vector<FieldInfo>& train_fields() {
    static const std::vector<FieldInfo> fields = [] {
        std::vector<FieldInfo> f;
        for (const FieldDef& d : defs()) f.push_back(d.info);
        return f;
    }();
    return fields;
}

void set_field(TrainSpec& spec, const std::string& key, const std::string& value) {
    const FieldDef& d = find_def(key, "job");
    const json v = parse_text(d.info, value, "job");
    check_value(d.info, v, "job");
    d.set(spec, v);
}

std::string get_field(const TrainSpec& spec, const std::string& key) {
    const json v = find_def(key, "job").get(spec);
    if (v.is_string()) return v.get<std::string>();
    if (v.is_array()) {
        std::string out;
        for (const json& x : v) out += (out.empty() ? "" : ",") + x.dump();
        return out;
    }
    return v.dump();
}

void validate(const TrainSpec& spec) {
    const json j = json::parse(to_json(spec));
    for (const FieldDef& d : defs()) check_value(d.info, j.at(d.info.key), "job");
    if (spec.limit_train != 0 && spec.limit_train < spec.batch_size)
        throw ConfigError("job: 'limit_train' = " + std::to_string(spec.limit_train) +
                          " is smaller than 'batch_size' = " + std::to_string(spec.batch_size) +
                          "; use at least one full batch");
    if (spec.model == "gated-mlp") {
        if (spec.gate == "reinforce" && spec.gate_mode != "topk")
            throw ConfigError("job: 'gate' = reinforce samples a top-k routing; set 'gate_mode' to topk");
        if (spec.blocks % spec.groups != 0)
            throw ConfigError("job: 'blocks' = " + std::to_string(spec.blocks) +
                              " must be a multiple of 'groups' = " + std::to_string(spec.groups));
        for (int h : spec.hidden)
            if (h % spec.blocks != 0)
                throw ConfigError("job: hidden width " + std::to_string(h) +
                                  " must be a multiple of 'blocks' = " + std::to_string(spec.blocks));
    }
    if (spec.model == "cnn" && spec.channels.size() > 3)
        throw ConfigError("job: 'channels' has " + std::to_string(spec.channels.size()) +
                          " blocks; a 28x28 input allows at most 3 pooling blocks");
}

void apply_json(TrainSpec& spec, const std::string& json_text, const std::string& origin) {
    json j;
    try {
        j = json::parse(json_text);
    } catch (const json::parse_error& e) {
        throw ConfigError(origin + ": not valid JSON (" + e.what() + ")");
    }
    if (!j.is_object()) throw ConfigError(origin + ": a job config must be a JSON object");
    for (const auto& [key, value] : j.items()) {
        if (key == "kind") {
            if (value != "train")
                throw ConfigError(origin + ": 'kind' = " + value.dump() + " is not a training job");
            continue;
        }
        const FieldDef& d = find_def(key, origin);
        check_value(d.info, value, origin);
        d.set(spec, value);
    }
}

TrainSpec train_spec_from_json(const std::string& json_text, const std::string& origin) {
    TrainSpec spec;
    apply_json(spec, json_text, origin);
    validate(spec);
    return spec;
}

std::string to_json(const TrainSpec& spec) {
    json j = json::object();
    j["kind"] = "train";
    for (const FieldDef& d : defs()) j[d.info.key] = d.get(spec);
    return j.dump(2);
}

}  // namespace sparq::engine

#pragma once
// The one table-driven path every spec goes through (sparq/engine/fields.h): a spec type's
// fields listed once with a setter and a getter each; text, JSON, validation of types and
// ranges, and the stored configuration all come from the list.
#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

#include "sparq/engine/errors.h"
#include "sparq/engine/fields.h"

namespace sparq::engine::spec {

/// Checks a JSON value against a field's type and range; throws ConfigError naming
/// origin and key.
void check_value(const FieldInfo& f, const nlohmann::json& v, const std::string& origin);
/// A field's text form (a flag's value, a form's text) as JSON of the field's type; throws
/// ConfigError when it does not parse.
nlohmann::json parse_text(const FieldInfo& f, const std::string& text, const std::string& origin);
/// The text form of a JSON value: strings as they are, lists comma-separated.
std::string text_of(const nlohmann::json& v);
/// Parses a config's text; throws ConfigError naming origin unless it is a JSON object.
nlohmann::json parse_object(const std::string& json_text, const std::string& origin);

FieldInfo int_field(std::string key, double min, double max, std::string help, bool main = false);
FieldInfo float_field(std::string key, double min, double max, std::string help, bool main = false);
FieldInfo text_field(std::string key, std::string help, bool main = false);
FieldInfo bool_field(std::string key, std::string help, bool main = false);
FieldInfo choice_field(std::string key, std::vector<std::string> choices, std::string help, bool main = false);
FieldInfo int_list_field(std::string key, double min, double max, std::string help, bool main = false);
FieldInfo float_list_field(std::string key, double min, double max, std::string help, bool main = false);
FieldInfo choice_list_field(std::string key, std::vector<std::string> choices, std::string help, bool main = false);
/// "auto", "cpu", "cuda" or "cuda:N" (sparq/engine/device.h).
FieldInfo device_field();

template <class Spec>
struct FieldDef {
    FieldInfo info;
    std::function<void(Spec&, const nlohmann::json&)> set;  // the value is type- and range-checked
    std::function<nlohmann::json(const Spec&)> get;
};

/// A field stored in `member` (a data member path of Spec, e.g. `workload.rate`).
#define SPARQ_FIELD(Spec, field_info, member)                                                   \
    ::sparq::engine::spec::FieldDef<Spec> {                                                     \
        field_info, [](Spec& s, const nlohmann::json& v) { v.get_to(s.member); },               \
            [](const Spec& s) { return nlohmann::json(s.member); }                              \
    }

template <class Spec>
class FieldTable {
public:
    /// `kind`: the spec's "kind" key in JSON ("train", "quantize", ...); `what`: how messages
    /// name the job ("job", "quantize", ...); `noun`: a job of this kind in words ("training").
    FieldTable(std::string kind, std::string what, std::string noun, std::vector<FieldDef<Spec>> defs)
        : kind_(std::move(kind)), what_(std::move(what)), noun_(std::move(noun)), defs_(std::move(defs)) {
        for (const auto& d : defs_) infos_.push_back(d.info);
    }

    const std::vector<FieldInfo>& infos() const { return infos_; }

    void set_text(Spec& spec, const std::string& key, const std::string& text) const {
        const FieldDef<Spec>& d = find(key, what_);
        const nlohmann::json v = parse_text(d.info, text, what_);
        check_value(d.info, v, what_);
        d.set(spec, v);
    }

    std::string get_text(const Spec& spec, const std::string& key) const { return text_of(find(key, what_).get(spec)); }

    void apply_json(Spec& spec, const std::string& json_text, const std::string& origin) const {
        const nlohmann::json j = parse_object(json_text, origin);
        for (const auto& [key, value] : j.items()) {
            if (key == "kind") {
                if (value != kind_)
                    throw ConfigError(origin + ": 'kind' = " + value.dump() + " is not a " + noun_ + " job");
                continue;
            }
            const FieldDef<Spec>& d = find(key, origin);
            check_value(d.info, value, origin);
            d.set(spec, value);
        }
    }

    nlohmann::json json_of(const Spec& spec) const {
        nlohmann::json j = nlohmann::json::object();
        j["kind"] = kind_;
        for (const auto& d : defs_) j[d.info.key] = d.get(spec);
        return j;
    }

    /// Every field's value against its type and range (the rules between fields are the
    /// spec's validate()).
    void check(const Spec& spec) const {
        for (const auto& d : defs_) check_value(d.info, d.get(spec), what_);
    }

private:
    const FieldDef<Spec>& find(const std::string& key, const std::string& origin) const {
        for (const auto& d : defs_)
            if (d.info.key == key) return d;
        std::string known;
        for (const auto& d : defs_) known += (known.empty() ? "" : ", ") + d.info.key;
        throw ConfigError(origin + ": unknown key '" + key + "' (known keys: " + known + ")");
    }

    std::string kind_, what_, noun_;
    std::vector<FieldDef<Spec>> defs_;
    std::vector<FieldInfo> infos_;
};

}  // namespace sparq::engine::spec

/// Defines what SPARQ_DECLARE_SPEC_FIELDS declares, from a table returned by `table()` (the
/// spec's validate() is written by hand: it holds the rules between fields).
#define SPARQ_DEFINE_SPEC_FIELDS(Spec, table)                                                  \
    template <>                                                                                 \
    const std::vector<FieldInfo>& spec_fields<Spec>() {                                         \
        return table().infos();                                                                 \
    }                                                                                           \
    void set_field(Spec& s, const std::string& key, const std::string& text) {                  \
        table().set_text(s, key, text);                                                         \
    }                                                                                           \
    std::string get_field(const Spec& s, const std::string& key) { return table().get_text(s, key); } \
    void apply_json(Spec& s, const std::string& json_text, const std::string& origin) {         \
        table().apply_json(s, json_text, origin);                                               \
    }                                                                                           \
    std::string to_json(const Spec& s) { return table().json_of(s).dump(2); }

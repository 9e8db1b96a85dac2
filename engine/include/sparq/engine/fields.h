#pragma once
// Job fields. Each kind of job describes its spec's fields once (key, type, range, help); that
// one table drives the JSON configs and presets, `--set KEY=VALUE`, the command line's flags,
// the GUI's forms and the stored configuration, so they all accept and refuse the same values.
#include <string>
#include <vector>

namespace sparq::engine {

enum class FieldType {
    Int,
    Float,
    Text,
    Choice,
    IntList,     // comma-separated in text ("512,256"); a JSON array
    FloatList,
    ChoiceList,  // several of `choices`
    Bool
};

/// One field of a spec: its JSON key, type, valid range and a line of help.
struct FieldInfo {
    std::string key;
    FieldType type = FieldType::Int;
    double min = 0;                    // Int, Float, lists: the valid range, inclusive
    double max = 0;
    std::vector<std::string> choices;  // Choice, ChoiceList
    std::string help;                  // a line for a tooltip or --help
    bool main = false;                 // shown in the launcher's short form
};

/// The fields of a spec type, in display order (specialised for every spec: TrainSpec,
/// QuantizeSpec, DistillSpec, ContinualSpec, ServeBenchSpec, ExportSpec, SweepSpec).
template <class Spec>
const std::vector<FieldInfo>& spec_fields();

}  // namespace sparq::engine

/// Declares what every spec type offers beside spec_fields<Spec>():
///   set_field   one field from its text form (as typed in a form or on a command line);
///               throws ConfigError naming the field and the valid range
///   get_field   the text form of a field's value
///   apply_json  the keys of a JSON object on top of the spec (unknown keys, wrong types and
///               out-of-range values throw ConfigError naming `origin`, a file or preset name)
///   to_json     every field, plus "kind", as the history stores the configuration
///   validate    ranges and the rules between fields; throws ConfigError
#define SPARQ_DECLARE_SPEC_FIELDS(Spec)                                                       \
    template <>                                                                               \
    const std::vector<FieldInfo>& spec_fields<Spec>();                                        \
    void set_field(Spec& spec, const std::string& key, const std::string& text);              \
    std::string get_field(const Spec& spec, const std::string& key);                          \
    void apply_json(Spec& spec, const std::string& json_text, const std::string& origin);     \
    std::string to_json(const Spec& spec);                                                    \
    void validate(const Spec& spec)

#pragma once
// Job specifications: plain structs, also loadable from JSON presets. Every field is
// described by a FieldInfo so that the CLI, the GUI launcher and the JSON loader validate
// it the same way.
#include <cstdint>
#include <string>
#include <vector>

namespace sparq::engine {

struct TrainSpec {
    std::string name = "mlp-fashion";  // run name shown in the history
    std::string preset;                // preset this spec came from, if any
    std::string description;           // a line for people choosing a preset
    std::string model = "mlp";         // mlp | cnn | gated-mlp
    std::vector<int> hidden{512, 256};  // mlp: hidden layer widths
    std::vector<int> channels{32, 64};  // cnn: conv channels (3x3 conv + BN + ReLU + 2x2 pool each)
    int fc = 128;                       // cnn: width of the fully connected layer
    std::string optimizer = "adam";     // adam | sgd
    double lr = 1e-3;
    double momentum = 0.9;              // sgd only
    double weight_decay = 0.0;
    int batch_size = 128;
    int epochs = 5;
    std::uint64_t seed = 1;
    int threads = 2;                    // intra-op threads for this job
    std::int64_t limit_train = 0;       // use only the first N training images (0 = all)
    std::int64_t limit_test = 0;        // evaluate on the first N test images (0 = all)
    std::string data_dir;               // folder of IDX files; empty = default
    std::string resume;                 // checkpoint to resume from; empty = start fresh
    bool checkpoint = true;             // write model + optimizer every epoch
    std::string precision = "fp32";     // fp32 | bf16 | fp16 (autocast; master weights FP32)
    std::string loss_scaling = "auto";  // auto (on for fp16) | on | off: dynamic loss scaling
    double loss_scale_init = 65536.0;   // initial loss scale
    int loss_scale_interval = 2000;     // clean steps before the scale doubles

    // gated-mlp: every hidden layer is a gated sparse layer (see kernels/gated_layout.h)
    int blocks = 32;                    // blocks ("experts") per gated layer
    int groups = 4;                     // coarse-gate groups of blocks
    double active_fraction = 0.25;      // share of blocks kept per input (top-k mode)
    std::string gate = "st";            // st (straight-through top-k) | reinforce
    std::string gate_mode = "topk";     // topk | threshold
    double gate_threshold = 0.02;       // threshold mode: minimum block score
    double balance_weight = 0.01;       // weight of the load-balancing loss
    double sparsity_weight = 1.0;       // weight of the active-fraction target term (threshold mode)
    double active_band = 0.05;          // alert when an observed active fraction leaves
                                        // active_fraction +- band
};

enum class FieldType { Int, Float, Text, Choice, IntList, Bool };

/// Describes one job field: its JSON key, type, valid range and a line of help.
struct FieldInfo {
    std::string key;
    FieldType type = FieldType::Int;
    double min = 0;
    double max = 0;
    std::vector<std::string> choices;  // for Choice
    std::string help;
    bool main = false;                 // shown in the launcher's short form
};

/// The fields of TrainSpec, in display order.
const std::vector<FieldInfo>& train_fields();

/// Sets one field from its text form (as typed in a form or on a command line).
/// Throws ConfigError naming the field and the valid range.
void set_field(TrainSpec& spec, const std::string& key, const std::string& value);
/// The text form of one field's current value.
std::string get_field(const TrainSpec& spec, const std::string& key);

/// Checks cross-field consistency and ranges; throws ConfigError.
void validate(const TrainSpec& spec);

/// Parses a JSON job config. Unknown keys, wrong types and out-of-range values throw
/// ConfigError; `origin` (a file name or preset name) is named in the message.
TrainSpec train_spec_from_json(const std::string& json_text, const std::string& origin);
/// Applies the keys of a JSON object on top of an existing spec (same validation).
void apply_json(TrainSpec& spec, const std::string& json_text, const std::string& origin);
std::string to_json(const TrainSpec& spec);

/// Preset folders searched in order: $SPARQ_PRESET_DIR, the build's resources/presets,
/// the installed share/sparq/presets.
std::vector<std::string> preset_dirs();
/// Names of the presets found (file names without .json), sorted.
std::vector<std::string> list_presets();
/// Loads a preset by name; throws ConfigError listing the available ones if unknown.
TrainSpec load_preset(const std::string& name);

/// The default Fashion-MNIST folder ($SPARQ_DATA_DIR or /usr/share/datasets/fashion-mnist).
std::string default_data_dir();

}  // namespace sparq::engine

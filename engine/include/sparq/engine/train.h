#pragma once
// Training jobs: the spec (a plain struct, also loadable from a JSON preset; its fields are
// described once, see fields.h), the result, and the presets.
#include <cstdint>
#include <string>
#include <vector>

#include "sparq/engine/fields.h"
#include "sparq/engine/job.h"

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
    std::string device = "auto";        // auto | cpu | cuda | cuda:N (device.h)
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

SPARQ_DECLARE_SPEC_FIELDS(TrainSpec);

/// Parses a JSON job config. Unknown keys, wrong types and out-of-range values throw
/// ConfigError; `origin` (a file name or preset name) is named in the message.
TrainSpec train_spec_from_json(const std::string& json_text, const std::string& origin);

/// Preset folders searched in order: $SPARQ_PRESET_DIR, the build's resources/presets,
/// the installed share/sparq/presets.
std::vector<std::string> preset_dirs();
/// Names of the presets found (file names without .json), sorted.
std::vector<std::string> list_presets();
/// Loads a preset by name; throws ConfigError listing the available ones if unknown.
TrainSpec load_preset(const std::string& name);

/// The default Fashion-MNIST folder ($SPARQ_DATA_DIR or /usr/share/datasets/fashion-mnist).
std::string default_data_dir();

/// The summary of a finished training job (also the CLI's --json object).
struct TrainResult {
    std::int64_t run_id = 0;
    JobStatus status = JobStatus::Queued;
    std::string error;                 // set when status == Failed
    double test_accuracy = 0.0;        // after the last completed epoch
    double best_test_accuracy = 0.0;
    double final_train_loss = 0.0;
    double train_samples_per_s = 0.0;  // training samples over time spent in training steps
    double step_ms = 0.0;              // mean wall time of one optimizer step
    int epochs = 0;                    // epochs completed (including resumed ones)
    std::int64_t params = 0;
    double wall_s = 0.0;
    double peak_rss_mb = 0.0;
    std::string checkpoint;            // last checkpoint written, if any
    std::string device = "cpu";        // the device that trained the model
    /// Parameters touched per test input over all parameters, observed on the test set at the
    /// last evaluation (1 for dense models).
    double active_param_fraction = 1.0;
    std::int64_t dense_equivalent_params = 0;  // parameters of the model with every block on
    std::string precision = "fp32";    // fp32 | bf16 | fp16
    std::int64_t skipped_steps = 0;    // optimizer steps skipped by the loss scaler (inf/NaN)
    double loss_scale = 0.0;           // the loss scale at the end (0 = no loss scaling)
};
std::string to_json(const TrainResult& r);

}  // namespace sparq::engine

// TrainSpec's fields (one table: JSON, text, forms, validation) and TrainResult's JSON.
#include "spec/field_table.h"
#include "sparq/engine/train.h"

namespace sparq::engine {

namespace {

using spec::choice_field;
using spec::float_field;
using spec::int_field;
using spec::int_list_field;
using spec::text_field;

const spec::FieldTable<TrainSpec>& train_table() {
#define F(info, member) SPARQ_FIELD(TrainSpec, info, member)
    static const spec::FieldTable<TrainSpec> t("train", "job", "training", {
        F(text_field("name", "run name shown in the history"), name),
        F(text_field("preset", "preset the job came from"), preset),
        F(text_field("description", "what the job is for"), description),
        F(choice_field("model", {"mlp", "cnn", "gated-mlp"}, "model architecture", true), model),
        F(int_list_field("hidden", 1, 65536, "MLP hidden layer widths"), hidden),
        F(int_list_field("channels", 1, 1024, "CNN conv channels per block"), channels),
        F(int_field("fc", 1, 65536, "CNN fully connected width"), fc),
        F(choice_field("optimizer", {"adam", "sgd"}, "optimizer", true), optimizer),
        F(float_field("lr", 1e-7, 10.0, "learning rate", true), lr),
        F(float_field("momentum", 0.0, 0.9999, "SGD momentum"), momentum),
        F(float_field("weight_decay", 0.0, 1.0, "L2 weight decay"), weight_decay),
        F(int_field("batch_size", 1, 65536, "training batch size", true), batch_size),
        F(int_field("epochs", 1, 10000, "training epochs", true), epochs),
        F(int_field("seed", 0, 4294967295.0, "random seed (init, shuffling)", true), seed),
        F(int_field("threads", 1, 256, "intra-op CPU threads", true), threads),
        F(int_field("limit_train", 0, 1e9, "use the first N training images (0 = all)", true), limit_train),
        F(int_field("limit_test", 0, 1e9, "evaluate on the first N test images (0 = all)"), limit_test),
        F(text_field("data_dir", "folder of Fashion-MNIST IDX files (empty = default)"), data_dir),
        F(text_field("resume", "checkpoint to resume from"), resume),
        F(spec::device_field(), device),
        F(spec::bool_field("checkpoint", "write a checkpoint every epoch"), checkpoint),
        F(int_field("blocks", 1, 4096, "gated-mlp: blocks (experts) per gated layer"), blocks),
        F(int_field("groups", 1, 256, "gated-mlp: coarse-gate groups of blocks"), groups),
        F(float_field("active_fraction", 0.001, 1.0, "gated-mlp: share of blocks kept per input (top-k)", true), active_fraction),
        F(choice_field("precision", {"fp32", "bf16", "fp16"}, "training precision (autocast; FP32 master weights)", true), precision),
        F(choice_field("loss_scaling", {"auto", "on", "off"}, "dynamic loss scaling (auto: on for fp16)"), loss_scaling),
        F(float_field("loss_scale_init", 1.0, 16777216.0, "initial loss scale"), loss_scale_init),
        F(int_field("loss_scale_interval", 1, 1000000, "clean steps before the loss scale doubles"), loss_scale_interval),
        F(choice_field("gate", {"st", "reinforce"}, "gated-mlp: gate training (straight-through top-k or REINFORCE)", true), gate),
        F(choice_field("gate_mode", {"topk", "threshold"}, "gated-mlp: keep the top-k blocks or every block above a score"), gate_mode),
        F(float_field("gate_threshold", 0.0, 1.0, "gated-mlp: threshold mode's minimum block score"), gate_threshold),
        F(float_field("balance_weight", 0.0, 100.0, "gated-mlp: weight of the load-balancing loss"), balance_weight),
        F(float_field("sparsity_weight", 0.0, 100.0, "gated-mlp: weight of the active-fraction target term"), sparsity_weight),
        F(float_field("active_band", 0.0, 1.0, "alert when a layer's observed active fraction leaves active_fraction +- band"), active_band),
    });
#undef F
    return t;
}

}  // namespace

SPARQ_DEFINE_SPEC_FIELDS(TrainSpec, train_table)

void validate(const TrainSpec& spec) {
    train_table().check(spec);
    if (spec.hidden.empty()) throw ConfigError("job: 'hidden' must be a non-empty list of widths");
    if (spec.channels.empty()) throw ConfigError("job: 'channels' must be a non-empty list of channels");
    if (spec.limit_train != 0 && spec.limit_train < spec.batch_size)
        throw ConfigError("job: 'limit_train' = " + std::to_string(spec.limit_train) +
                          " is smaller than 'batch_size' = " + std::to_string(spec.batch_size) +
                          "; use at least one full batch");
    if (spec.model == "gated-mlp") {
        if (spec.gate == "reinforce" && spec.gate_mode != "topk")
            throw ConfigError("job: 'gate' = reinforce samples a top-k routing; set 'gate_mode' to topk");
        if (spec.blocks % spec.groups != 0)
            throw ConfigError("job: 'blocks' = " + std::to_string(spec.blocks) + " must be a multiple of 'groups' = " +
                              std::to_string(spec.groups));
        for (int h : spec.hidden)
            if (h % spec.blocks != 0)
                throw ConfigError("job: hidden width " + std::to_string(h) + " must be a multiple of 'blocks' = " +
                                  std::to_string(spec.blocks));
    }
    if (spec.model == "cnn" && spec.channels.size() > 3)
        throw ConfigError("job: 'channels' has " + std::to_string(spec.channels.size()) +
                          " blocks; a 28x28 input allows at most 3 pooling blocks");
}

TrainSpec train_spec_from_json(const std::string& json_text, const std::string& origin) {
    TrainSpec spec;
    apply_json(spec, json_text, origin);
    validate(spec);
    return spec;
}

std::string to_json(const TrainResult& r) {
    nlohmann::json j = {
        {"run_id", r.run_id},
        {"status", to_string(r.status)},
        {"test_accuracy", r.test_accuracy},
        {"best_test_accuracy", r.best_test_accuracy},
        {"final_train_loss", r.final_train_loss},
        {"train_samples_per_s", r.train_samples_per_s},
        {"step_ms", r.step_ms},
        {"epochs", r.epochs},
        {"params", r.params},
        {"wall_s", r.wall_s},
        {"peak_rss_mb", r.peak_rss_mb},
        {"checkpoint", r.checkpoint},
        {"device", r.device},
        {"active_param_fraction", r.active_param_fraction},
        {"dense_equivalent_params", r.dense_equivalent_params},
        {"precision", r.precision},
        {"skipped_steps", r.skipped_steps},
        {"loss_scale", r.loss_scale},
    };
    if (!r.error.empty()) j["error"] = r.error;
    return j.dump();
}

}  // namespace sparq::engine

#include "spec/field_table.h"
#include "sparq/engine/quantize.h"

namespace sparq::engine {

namespace {

using spec::choice_field;
using spec::float_field;
using spec::int_field;
using spec::text_field;

const spec::FieldTable<QuantizeSpec>& quantize_table() {
#define F(info, member) SPARQ_FIELD(QuantizeSpec, info, member)
    static const spec::FieldTable<QuantizeSpec> t("quantize", "quantize", "quantization", {
        F(text_field("name", "run name (empty: '<preset> int8 <mode>')"), name),
        F(text_field("preset", "the float model's preset, trained first when no checkpoint is given"), preset),
        F(text_field("checkpoint", "trained float model (a run's checkpoint.pt)"), checkpoint),
        F(choice_field("mode", {"ptq", "qat"}, "ptq (calibration only) or qat (quantization-aware fine-tuning)", true), mode),
        F(choice_field("observer", {"minmax", "ema", "percentile", "mse"}, "calibration observer", true), observer),
        F(float_field("percentile", 50.0, 100.0, "percentile observer: the percentile kept, in (50, 100]"), percentile),
        F(int_field("calibration_samples", 64, 30000, "training images held out for calibration"), calibration_samples),
        F(int_field("qat_epochs", 1, 100, "QAT fine-tuning epochs"), qat_epochs),
        F(int_field("freeze_observers_after", 0, 1e9, "QAT steps before the ranges freeze"), freeze_observers_after),
        F(float_field("qat_lr", 1e-9, 0.999, "QAT learning rate"), qat_lr),
        F(int_field("batch_size", 1, 65536, "QAT batch size"), batch_size),
        F(int_field("error_every", 1, 1e9, "QAT steps between per-layer error measurements"), error_every),
        F(float_field("error_alert", 1e-9, 1e9, "alert when a layer's relative error exceeds this"), error_alert),
        F(int_field("train_epochs", 0, 10000, "epochs of float training when no checkpoint is given (0: the preset's)"), train_epochs),
        F(int_field("threads", 1, 256, "CPU threads"), threads),
        F(int_field("limit_train", 0, 1e9, "train / fine-tune on the first N images (0 = all)"), limit_train),
        F(int_field("limit_test", 0, 1e9, "evaluate on the first N test images (0 = all)"), limit_test),
        F(text_field("data_dir", "folder of Fashion-MNIST IDX files (empty = default)"), data_dir),
        F(text_field("output", "INT8 model file (empty: the run's folder)"), output),
        F(float_field("bench_seconds", 0.01, 3600, "timing per batch size and path"), bench_seconds),
        F(int_field("seed", 0, 4294967295.0, "random seed"), seed),
        F(spec::device_field(), device),
    });
#undef F
    return t;
}

}  // namespace

SPARQ_DEFINE_SPEC_FIELDS(QuantizeSpec, quantize_table)

void validate(const QuantizeSpec& q) {
    quantize_table().check(q);
    if (q.checkpoint.empty() && q.preset.empty()) throw ConfigError("quantize: 'preset' or 'checkpoint' is required");
    if (!(q.percentile > 50)) throw ConfigError("quantize: 'percentile' must be in (50, 100]");
}

std::string to_json(const QuantizeResult& r) {
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& l : r.layers) layers.push_back({{"name", l.name}, {"kind", l.kind}, {"error", l.error}});
    nlohmann::json j{{"run_id", r.run_id},
                     {"status", r.status},
                     {"mode", r.mode},
                     {"observer", r.observer},
                     {"arch", r.arch},
                     {"preset", r.preset},
                     {"fp32_accuracy", r.fp32_accuracy},
                     {"int8_accuracy", r.int8_accuracy},
                     {"accuracy_retention", r.accuracy_retention},
                     {"ptq_int8_accuracy", r.ptq_int8_accuracy},
                     {"ptq_accuracy_retention", r.ptq_accuracy_retention},
                     {"fp32_latency_ms_b1", r.fp32_latency_ms_b1},
                     {"int8_latency_ms_b1", r.int8_latency_ms_b1},
                     {"speedup_b1", r.speedup_b1},
                     {"fp32_latency_ms_b64", r.fp32_latency_ms_b64},
                     {"int8_latency_ms_b64", r.int8_latency_ms_b64},
                     {"speedup_b64", r.speedup_b64},
                     {"fp32_size_bytes", r.fp32_size_bytes},
                     {"int8_size_bytes", r.int8_size_bytes},
                     {"size_ratio", r.size_ratio},
                     {"max_layer_error", r.max_layer_error},
                     {"layers", layers},
                     {"alerts", r.alerts},
                     {"int8_model", r.int8_model},
                     {"float_checkpoint", r.float_checkpoint},
                     {"kernel", r.kernel},
                     {"device", r.device},
                     {"wall_s", r.wall_s}};
    if (!r.error.empty()) j["error"] = r.error;
    return j.dump();
}

}  // namespace sparq::engine

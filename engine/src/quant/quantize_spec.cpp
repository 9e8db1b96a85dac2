#include <nlohmann/json.hpp>

#include "sparq/engine/errors.h"
#include "sparq/engine/quantize.h"

namespace sparq::engine {

void validate(const QuantizeSpec& q) {
    auto bad = [](const std::string& field, const std::string& why) {
        throw ConfigError("quantize: " + field + " " + why);
    };
    if (q.mode != "ptq" && q.mode != "qat") bad("mode", "'" + q.mode + "' is not one of ptq, qat");
    if (q.observer != "minmax" && q.observer != "ema" && q.observer != "percentile" && q.observer != "mse")
        bad("observer", "'" + q.observer + "' is not one of minmax, ema, percentile, mse");
    if (q.checkpoint.empty() && q.preset.empty()) bad("preset", "or checkpoint is required");
    if (!(q.percentile > 50 && q.percentile <= 100)) bad("percentile", "must be in (50, 100]");
    if (q.calibration_samples < 64 || q.calibration_samples > 30000) bad("calibration", "must be in [64, 30000]");
    if (q.qat_epochs < 1 || q.qat_epochs > 100) bad("qat_epochs", "must be in [1, 100]");
    if (q.freeze_observers_after < 0) bad("freeze_observers_after", "must be >= 0");
    if (!(q.qat_lr > 0 && q.qat_lr < 1)) bad("qat_lr", "must be in (0, 1)");
    if (q.batch_size < 1 || q.batch_size > 65536) bad("batch_size", "must be in [1, 65536]");
    if (q.error_every < 1) bad("error_every", "must be >= 1");
    if (!(q.error_alert > 0)) bad("error_alert", "must be > 0");
    if (q.threads < 1 || q.threads > 256) bad("threads", "must be in [1, 256]");
    if (q.train_epochs < 0 || q.limit_train < 0 || q.limit_test < 0) bad("limits", "must be >= 0");
    if (!(q.bench_seconds > 0)) bad("bench_seconds", "must be > 0");
}

std::string to_json(const QuantizeSpec& q) {
    return nlohmann::json{{"kind", "quantize"},
                          {"preset", q.preset},
                          {"checkpoint", q.checkpoint},
                          {"mode", q.mode},
                          {"observer", q.observer},
                          {"percentile", q.percentile},
                          {"calibration_samples", q.calibration_samples},
                          {"qat_epochs", q.qat_epochs},
                          {"freeze_observers_after", q.freeze_observers_after},
                          {"qat_lr", q.qat_lr},
                          {"batch_size", q.batch_size},
                          {"error_every", q.error_every},
                          {"error_alert", q.error_alert},
                          {"train_epochs", q.train_epochs},
                          {"threads", q.threads},
                          {"limit_train", q.limit_train},
                          {"limit_test", q.limit_test},
                          {"seed", q.seed}}
        .dump();
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
                     {"wall_s", r.wall_s}};
    if (!r.error.empty()) j["error"] = r.error;
    return j.dump();
}

}  // namespace sparq::engine

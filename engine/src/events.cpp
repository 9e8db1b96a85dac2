#include <nlohmann/json.hpp>

#include "sparq/engine/events.h"

namespace sparq::engine {

const char* to_string(JobStatus s) {
    switch (s) {
    case JobStatus::Queued: return "queued";
    case JobStatus::Running: return "running";
    case JobStatus::Paused: return "paused";
    case JobStatus::Completed: return "completed";
    case JobStatus::Failed: return "failed";
    case JobStatus::Cancelled: return "cancelled";
    }
    return "unknown";
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

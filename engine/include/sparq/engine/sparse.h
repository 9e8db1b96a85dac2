#pragma once
// Tuning a trained gated model: re-evaluate it at other active fractions without retraining.
#include <cstdint>
#include <string>
#include <vector>

#include "sparq/engine/fields.h"

namespace sparq::engine {

struct SweepSpec {
    std::int64_t run_id = 0;           // the training run whose checkpoint to sweep (the engine's history)
    std::string checkpoint;            // instead of a run: a gated model's checkpoint
    std::vector<double> fractions{0.125, 0.25, 0.375, 0.5, 0.75, 1.0};
    int threads = 2;
    std::int64_t limit_test = 0;       // evaluate on the first N test images (0 = all)
    std::string device = "auto";       // auto | cpu
};
SPARQ_DECLARE_SPEC_FIELDS(SweepSpec);

struct ActiveFractionPoint {
    double active_fraction = 0;        // requested share of blocks kept per input
    double test_accuracy = 0;
    double latency_ms_b1 = 0;          // model forward, batch 1 (median)
    double latency_ms_b64 = 0;         // model forward, batch 64 (median)
    double active_param_fraction = 0;  // observed over the evaluated test images
};

/// A sweep job's result: the gated model (from its checkpoint, the spec stored inside it)
/// evaluated at each fraction. A missing, damaged or non-gated checkpoint fails the job with a
/// DataError's or ConfigError's message.
struct SweepResult {
    std::int64_t run_id = 0;           // the run swept (0 for a checkpoint given by path)
    std::string checkpoint;
    std::vector<ActiveFractionPoint> points;
    std::string device = "cpu";
};
/// {"checkpoint", "points": [{active_fraction, test_accuracy, latency_ms_b1, latency_ms_b64,
/// active_param_fraction}, ...]}
std::string to_json(const SweepResult& r);

}  // namespace sparq::engine

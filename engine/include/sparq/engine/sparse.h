#pragma once
// Tuning a trained gated model: re-evaluate it at other active fractions without retraining.
#include <cstdint>
#include <string>
#include <vector>

namespace sparq::engine {

struct ActiveFractionPoint {
    double active_fraction = 0;        // requested share of blocks kept per input
    double test_accuracy = 0;
    double latency_ms_b1 = 0;          // model forward, batch 1 (median)
    double latency_ms_b64 = 0;         // model forward, batch 64 (median)
    double active_param_fraction = 0;  // observed over the evaluated test images
};

/// Loads a gated model from its checkpoint (the spec stored inside it) and evaluates it on
/// the first `limit_test` test images (0 = all) at each fraction. Throws DataError /
/// ConfigError for a missing, damaged or non-gated checkpoint.
std::vector<ActiveFractionPoint> sweep_active_fraction(const std::string& checkpoint,
                                                       const std::vector<double>& fractions,
                                                       int threads = 2,
                                                       std::int64_t limit_test = 0);

}  // namespace sparq::engine

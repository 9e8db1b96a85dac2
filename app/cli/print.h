#pragma once
// Text output shared by commands.
#include "sparq/engine/quantize.h"

namespace sparq::cli {

/// FP32 against INT8: accuracy, latency at batch 1 and 64, size on disk, with their ratios.
void print_side_by_side(const engine::QuantizeResult& r);

}  // namespace sparq::cli

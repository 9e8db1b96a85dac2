#pragma once
// The quantization job, run on a job's worker thread (engine.cpp submits it).
#include "job/job_context.h"
#include "sparq/engine/quantize.h"

namespace sparq::engine::quant {

/// Quantizes (training the float model first when the spec names no checkpoint), compares,
/// writes the INT8 model and publishes per-layer errors. Throws DataError / ConfigError /
/// FormatError on bad input; a cancelled job returns with status "cancelled".
QuantizeResult run_quantize(const QuantizeSpec& spec, JobContext& ctx);

}  // namespace sparq::engine::quant

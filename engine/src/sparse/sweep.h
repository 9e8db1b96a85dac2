#pragma once
// The sweep job (Engine::submit(SweepSpec)): a trained gated model evaluated at other active
// fractions, without retraining.
#include "job/job_context.h"
#include "sparq/engine/sparse.h"

namespace sparq::engine::sparse {

/// Loads the gated model (the run's checkpoint in ctx.store, or the spec's file) and evaluates
/// it at each fraction on the job's device. Throws DataError / ConfigError for a missing,
/// damaged or non-gated checkpoint, JobCancelled between fractions when cancelled.
SweepResult run_sweep(const SweepSpec& spec, JobContext& ctx);

}  // namespace sparq::engine::sparse

#pragma once
// The export job (Engine::submit(ExportSpec)): the run's model as an ONNX file, a bundle or a
// Triton repository, reloaded the way its consumer loads it and compared with the engine.
#include "job/job_context.h"
#include "sparq/engine/export.h"

namespace sparq::engine::exporter {

/// Exports, verifies and registers (sparq/engine/export.h says how); reads and registers in
/// ctx.store. Throws ConfigError / DataError / FormatError / VerificationError, and JobCancelled
/// when cancelled between its phases (nothing is left under the destination then).
ExportResult run_export(const ExportSpec& spec, JobContext& ctx);

}  // namespace sparq::engine::exporter

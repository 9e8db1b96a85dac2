#pragma once
// The serving benchmark as a job: tiny-lm (from its cache, or trained there first), the seeded
// workload, and each policy of the spec serving it on this machine, one after the other.
#include <nlohmann/json.hpp>

#include "job/job_context.h"
#include "sparq/engine/serving.h"

namespace sparq::engine::serve {

/// Runs the spec's policy (or every policy of `compare`) on the same seeded workload. Live series
/// go to the bus as serve/<policy>/{queue,batch,latency_p95_ms,throughput_rps,padding,
/// kv_cache_mb}. Cancelled within a decode step (or a training step): the policy then running
/// is dropped, those that finished are kept, and report.cancelled is set.
ServeBenchReport run_serve_bench(const ServeBenchSpec& spec, JobContext& ctx);

/// The run's summary in the history: the results, the model, and the dynamic-batching settings
/// a Triton export of the run takes ("serving").
std::string summary_json(const ServeBenchSpec& spec, const ServeBenchReport& report);

/// One result as JSON (to_json(ServeResult)'s object).
nlohmann::json result_json(const ServeResult& r);

}  // namespace sparq::engine::serve

#pragma once
// How a benchmark serves a workload: the server settings of a policy, and edge/cloud routing
// (each request to the small or the large model by the rule, each route served by its own).
#include <atomic>
#include <string>
#include <vector>

#include "serve/server.h"
#include "serve/tiny_lm.h"
#include "sparq/engine/serving.h"

namespace sparq::engine::serve {

/// The longest sequence a request of the workload can make (prompt and output).
int max_total_of(const WorkloadSpec& w);

/// The server settings for one policy of the spec with `concurrency` closed-loop clients.
ServerConfig server_config(const ServeBenchSpec& spec, const std::string& policy, int concurrency,
                           const std::atomic<bool>* stop);

/// Edge/cloud: the requests routed by spec.router, each route served by its own model (as on
/// two machines, one after the other here), the quality of each route measured on the
/// requests' true continuations. Result: the mix, with a Route per side and the mix.
ServeResult run_routed(const ServeBenchSpec& spec, TinyLm& cloud, TinyLm& edge, const std::string& text,
                       const std::vector<Request>& requests, profiler::MetricBus* bus, profiler::RunId run,
                       const ServeLog& log, const std::atomic<bool>* stop);

}  // namespace sparq::engine::serve

#include "serve/routing.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "serve/lm_cache.h"

namespace sparq::engine::serve {

int max_total_of(const WorkloadSpec& w) { return w.prompt.max + w.output.max; }

ServerConfig server_config(const ServeBenchSpec& spec, const std::string& policy, int concurrency,
                           const std::atomic<bool>* stop) {
    ServerConfig c;
    c.stop = stop;
    c.batching = spec.batching;
    c.batching.policy = policy;
    c.closed_loop = spec.workload.rate <= 0;
    c.concurrency = concurrency;
    c.window = spec.attention == "segmented" ? spec.window : 0;
    c.max_total = max_total_of(spec.workload);
    return c;
}

ServeResult run_routed(const ServeBenchSpec& spec, TinyLm& cloud, TinyLm& edge, const std::string& text,
                       const std::vector<Request>& requests, profiler::MetricBus* bus, profiler::RunId run,
                       const ServeLog& log, const std::atomic<bool>* stop) {
    const double edge_ms = ms_per_byte(edge, text), cloud_ms = ms_per_byte(cloud, text);
    std::vector<Request> part[2];
    for (const Request& r : requests) {
        const Route route = route_request(spec.router, r, edge_ms * r.max_new, cloud_ms * r.max_new);
        part[route == Route::Edge ? 0 : 1].push_back(r);
    }
    ServeResult mix;
    mix.policy = "routed:" + spec.batching.policy;
    std::vector<double> all_latency;
    RequestQuality all_quality;
    double wall = 0;
    for (int side = 0; side < 2; ++side) {
        ServeResult::Route route;
        route.name = side == 0 ? "edge" : "cloud";
        route.requests = std::int64_t(part[side].size());
        if (part[side].empty()) {
            mix.routes.push_back(route);
            continue;
        }
        TinyLm& model = side == 0 ? edge : cloud;
        const int share = std::max(1, int(std::lround(double(spec.workload.concurrency) * double(part[side].size()) /
                                                      double(requests.size()))));
        const ServerRun r = run_server(model, text, part[side], server_config(spec, spec.batching.policy, share, stop),
                                       LiveOut{bus, run, "routed-" + route.name});
        route.p50_ms = r.result.p50_ms;
        route.p95_ms = r.result.p95_ms;
        RequestQuality q;
        for (const Request& x : part[side]) {
            const RequestQuality one = request_quality(model, text, x);
            q.loss_sum += one.loss_sum, q.correct += one.correct, q.bytes += one.bytes;
        }
        route.heldout_loss = q.loss_sum / double(std::max<std::int64_t>(1, q.bytes));
        route.next_byte_accuracy = double(q.correct) / double(std::max<std::int64_t>(1, q.bytes));
        all_quality.loss_sum += q.loss_sum, all_quality.correct += q.correct, all_quality.bytes += q.bytes;
        all_latency.insert(all_latency.end(), r.latency_ms.begin(), r.latency_ms.end());
        mix.requests += r.result.requests;
        mix.tokens += r.result.tokens;
        mix.token_slots += r.result.token_slots;
        mix.useful_slots += r.result.useful_slots;
        mix.prefill_passes += r.result.prefill_passes;
        mix.prefill_s += r.result.prefill_s;
        mix.decode_s += r.result.decode_s;
        mix.batches += r.result.batches;
        mix.mean_batch += r.result.mean_batch * double(r.result.batches);  // divided below
        wall += r.result.wall_s;
        mix.kv_cache_peak_bytes = std::max(mix.kv_cache_peak_bytes, r.result.kv_cache_peak_bytes);
        if (log) {
            char line[200];
            std::snprintf(line, sizeof line, "route %s: %lld requests, p95 %.1f ms, held-out loss %.3f, accuracy %.3f",
                          route.name.c_str(), static_cast<long long>(route.requests), route.p95_ms, route.heldout_loss,
                          route.next_byte_accuracy);
            log(line);
        }
        mix.routes.push_back(route);
    }
    ServeResult::Route m;
    m.name = "mix";
    m.requests = std::int64_t(requests.size());
    m.p50_ms = percentile(all_latency, 50);
    m.p95_ms = percentile(all_latency, 95);
    m.heldout_loss = all_quality.loss_sum / double(std::max<std::int64_t>(1, all_quality.bytes));
    m.next_byte_accuracy = double(all_quality.correct) / double(std::max<std::int64_t>(1, all_quality.bytes));
    mix.routes.push_back(m);
    mix.p50_ms = m.p50_ms;
    mix.p95_ms = m.p95_ms;
    mix.p99_ms = percentile(all_latency, 99);
    mix.wall_s = wall;
    mix.padding_fraction = mix.token_slots ? 1.0 - double(mix.useful_slots) / double(mix.token_slots) : 0.0;
    mix.mean_batch = mix.batches ? mix.mean_batch / double(mix.batches) : 0.0;
    mix.throughput_rps = double(mix.requests) / std::max(1e-9, wall);
    mix.tokens_per_s = double(mix.tokens) / std::max(1e-9, wall);
    return mix;
}

}  // namespace sparq::engine::serve

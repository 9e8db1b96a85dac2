#pragma once
// One model answering a workload under one batching policy, in real time on this thread:
// requests arrive (Poisson times, or a closed loop whose clients send their next request the
// moment they are answered), wait in the queue, and run in the batches the policy forms;
// continuous batching instead lets requests join and leave a running batch between decode
// steps. Every figure comes from what happened: completion times, the token slots each
// batch really ran, the cache tensors really allocated.
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "serve/batching.h"
#include "serve/tiny_lm.h"
#include "sparq/engine/serving.h"
#include "sparq/profiler/metric_bus.h"

namespace sparq::engine::serve {

struct ServerConfig {
    BatchPolicySpec batching;
    bool closed_loop = true;
    int concurrency = 48;
    std::int64_t window = 0;  // > 0: segmented attention with this window
    int max_total = 576;      // prompt + output bytes of the longest request (the full cache)
    const std::atomic<bool>* stop = nullptr;  // set: the server throws ServeStopped within a step
};

/// Thrown when ServerConfig::stop (or the stop flag given to training) is set.
struct ServeStopped {};

/// Throws ServeStopped when `stop` is set.
inline void throw_if_stopped(const std::atomic<bool>* stop) {
    if (stop && stop->load(std::memory_order_relaxed)) throw ServeStopped{};
}

/// Where live figures go (optional): the series serve/<label>/...
struct LiveOut {
    profiler::MetricBus* bus = nullptr;
    profiler::RunId run = 0;
    std::string label;
};

struct ServerRun {
    ServeResult result;
    std::vector<double> latency_ms;  // per request, indexed like the input requests
};

/// Serves `requests` (from make_requests) whose prompts are slices of `text`.
ServerRun run_server(TinyLm& model, const std::string& text, std::vector<Request> requests, const ServerConfig& config,
                     const LiveOut& live = {});

/// Teacher-forced next-byte loss (nats) and accuracy of the model on a request's true
/// continuation given its prompt (the bytes of `text` that follow it).
struct RequestQuality {
    double loss_sum = 0;
    std::int64_t correct = 0, bytes = 0;
};
RequestQuality request_quality(TinyLm& model, const std::string& text, const Request& r);

}  // namespace sparq::engine::serve

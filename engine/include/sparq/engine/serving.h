#pragma once
// Serving (issue 10): the tiny-lm byte-level language model answering a seeded request
// workload under a batching policy, on the real model, with every figure observed: latency
// percentiles, throughput, queue length, batch sizes, padding (wasted token slots over all
// slots), KV-cache bytes (the cache tensors as allocated), CPU utilization. An edge/cloud
// router sends each request to a small or a large model by a rule the user tunes. No torch
// types cross this header.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sparq/engine/fields.h"

namespace sparq::engine {

/// A length distribution of a workload (bytes of prompt or of output).
struct LengthDistribution {
    std::string kind = "lognormal";  // fixed (median) | uniform [min, max] | lognormal (median,
                                     // sigma) | pareto (scale min, shape sigma: a long tail)
    double median = 32;
    double sigma = 1.0;
    int min = 1;
    int max = 256;
};

struct WorkloadSpec {
    // Default "chat": long-tailed prompts and outputs, like chat traffic (most answers short,
    // a few very long).
    LengthDistribution prompt{"lognormal", 48, 0.8, 8, 320};
    LengthDistribution output{"lognormal", 20, 1.2, 2, 256};
    double rate = 0;          // Poisson arrivals per second; 0 = closed loop
    int concurrency = 48;     // closed loop: clients, each sending its next request when answered
    int requests = 384;
    std::uint64_t seed = 1;
};

struct BatchPolicySpec {
    std::string policy = "kmeans";  // fifo | max-delay | bucket | kmeans | continuous
    int max_batch = 16;
    std::vector<int> preferred_batch_sizes{8, 16};  // max-delay (Triton's dynamic batcher)
    int max_queue_delay_us = 20000;  // max-delay, bucket, kmeans: the longest the oldest request
                                     // waits for a fuller batch
    std::vector<int> bucket_edges{32, 64, 128};  // bucket: edges of expected output length
    int clusters = 8;                // kmeans: k
    int refit_every = 32;            // kmeans: arrivals between re-fits
    int refit_window = 256;          // kmeans: the latest requests a fit sees
    std::string within = "arrival";  // kmeans: how a batch is taken from the oldest request's cluster:
                                     // arrival (the cluster's oldest, so a later request never passes
                                     // an earlier one of its cluster) | nearest (the most alike to it)
    int neighbour_window = 0;        // kmeans, nearest: among the cluster's oldest this many (0: all;
                                     // the fewer, the less often an outlier is passed over)
    double min_wait_share = 0.3;     // kmeans: a request joins a batch once it has waited this share of
                                     // the oldest request's wait, so the younger members of a busy
                                     // cluster do not keep passing the others (0: at once)
    double output_weight = 1.5;      // kmeans: weight of the output-length feature against the
                                     // prompt's (decode time follows the longest output; prompts
                                     // split into prefill groups)
    // How a batch runs, the same for every policy:
    int prefill_groups = 3;          // a batch's prompts, sorted by length, run as at most this many
                                     // padded prefills (fewest slots); continuous: its joiners'
    bool retire_finished = true;     // static batches: a row whose output is done leaves the batch
                                     // between decode steps (false: it runs to the longest output)
};

/// The tiny-lm model and how it is trained when no checkpoint is given.
struct LmSpec {
    std::string preset = "tiny-lm";
    int d_model = 128, layers = 3, heads = 4, ff = 512;
    int context = 128;               // training sequence length
    int train_steps = 600;
    int batch = 16;
    double lr = 3e-3;
    std::uint64_t seed = 1;
    std::string text_dir = "/usr/share/common-licenses";
    double holdout = 0.1;            // the last tenth of each file is held out
};

/// Edge/cloud routing: a request goes to the edge model when its prompt is at most
/// `edge_max_prompt` bytes and its output at most `edge_max_output` bytes; otherwise to the
/// cloud, unless the cloud's estimated latency for it exceeds `latency_budget_ms` (> 0) and
/// the edge's does not.
struct RouterRule {
    int edge_max_prompt = 96;
    int edge_max_output = 64;
    double latency_budget_ms = 0;
};

struct ServeBenchSpec {
    LmSpec model;                    // the cloud model (and the only one without routing)
    std::string checkpoint;          // trained tiny-lm; empty = the cached one, trained if absent
    std::string cache_dir;           // where trained models are cached; empty = models/ beside the history
    WorkloadSpec workload;
    BatchPolicySpec batching;
    std::vector<std::string> compare;  // policies to run one after the other on the same workload
    std::string attention = "full";  // full | segmented
    int window = 128;                // segmented attention: positions each token sees
    bool route = false;              // edge/cloud routing (the edge model: `edge`)
    LmSpec edge{"tiny-lm-edge", 64, 2, 2, 256, 128, 300, 16, 3e-3, 1, "/usr/share/common-licenses", 0.1};
    RouterRule router;
    int threads = 1;                 // decode steps are dispatch-bound: two threads are no faster
                                     // on an idle machine and much slower beside other work
    std::string device = "auto";     // auto | cpu
};

/// The fields are flat keys: "policy", "requests", "rate", "prompt" (KIND:MEDIAN:SIGMA:MIN:MAX),
/// "max_batch", "clusters", ... (the flag names of `sparq-cli serve-bench` with - as _).
SPARQ_DECLARE_SPEC_FIELDS(ServeBenchSpec);
/// A length distribution's text form, KIND[:MEDIAN[:SIGMA[:MIN[:MAX]]]], over `base`;
/// throws ConfigError naming `what`.
LengthDistribution parse_lengths(const std::string& text, const LengthDistribution& base, const std::string& what);
std::string to_text(const LengthDistribution& d);

struct ServeResult {
    std::string policy;
    double throughput_rps = 0;
    double tokens_per_s = 0;
    double p50_ms = 0, p95_ms = 0, p99_ms = 0;
    double padding_fraction = 0;     // wasted token slots over all token slots
    double mean_batch = 0;           // requests per batch (continuous: live rows per step)
    std::vector<std::int64_t> batch_sizes;  // histogram: batch_sizes[n] = batches of n requests
    double mean_queue = 0;           // requests waiting, averaged over dispatches
    int max_queue = 0;
    std::int64_t kv_cache_peak_bytes = 0;  // the largest live cache, its tensors' storage
    std::int64_t requests = 0, tokens = 0;
    std::int64_t token_slots = 0, useful_slots = 0;  // token slots computed, and those that served a request
    std::int64_t batches = 0;        // static batches run (continuous: decode steps)
    std::int64_t prefill_passes = 0; // padded prefills run (a batch's prompts in up to prefill_groups)
    double wall_s = 0;
    double prefill_s = 0, decode_s = 0;  // time in prefills and in decode steps (the rest: waiting,
                                         // batching, cache copies)
    double cpu_util = 0;             // process CPU over the run, in cores
    // Routing only: per route and mixed.
    struct Route {
        std::string name;            // edge | cloud | mix
        std::int64_t requests = 0;
        double p50_ms = 0, p95_ms = 0;
        double heldout_loss = 0;     // nats per byte of the requests' true continuations
        double next_byte_accuracy = 0;
    };
    std::vector<Route> routes;
};

/// Held-out quality of an attention mode at a long input and the cache it needed.
struct AttentionProbe {
    std::string mode;                // full | segmented
    int input_length = 0, window = 0;
    std::int64_t kv_cache_bytes = 0;  // observed after a prefill of input_length + 1 decode step
    double heldout_loss = 0;         // nats per byte at that length
    double next_byte_accuracy = 0;
};

struct ServeBenchReport {
    std::int64_t run_id = 0;         // in the history, 0 when not recorded
    std::string checkpoint;
    std::vector<std::string> messages;  // what happened first (e.g. "trained tiny-lm: ...")
    double train_heldout_loss = 0;   // the model's held-out loss at its training length
    std::vector<ServeResult> results;
    std::vector<AttentionProbe> attention;  // filled by probe_attention
    bool cancelled = false;          // stopped early: `results` holds the policies that finished
    std::string device = "cpu";      // the device that served
};

/// A line of text now and then (a model being trained first, a probe's figures).
using ServeLog = std::function<void(const std::string& line)>;

/// KV-cache memory and held-out quality of full and segmented attention at a long input (a
/// measurement, not a job: the model is taken from, or trained into, `cache_dir`).
std::vector<AttentionProbe> probe_attention(const ServeBenchSpec& spec, const std::string& cache_dir,
                                            int input_length, const ServeLog& log);

/// One result as a JSON object: policy, throughput_rps, tokens_per_s, p50_ms, p95_ms,
/// p99_ms, padding_fraction, mean_batch, and the rest of ServeResult.
std::string to_json(const ServeResult& result);

/// Every policy name, in the order --compare runs them.
const std::vector<std::string>& serving_policies();

}  // namespace sparq::engine

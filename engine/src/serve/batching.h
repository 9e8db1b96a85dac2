#pragma once
// The serving side that needs no model: the request workload, the batching policies that
// pick which waiting requests run together, k-means over request features, and the figures
// (percentiles, padding) computed from what a run observed. Plain C++: tested on
// constructed queues.
#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "sparq/engine/serving.h"

namespace sparq::engine::serve {

struct Request {
    std::int64_t id = 0;
    int prompt_len = 0;
    int max_new = 0;            // bytes to generate (the client's max_tokens)
    double arrival_s = 0;       // since the run started; closed loop: set when sent
    std::int64_t text_at = 0;   // the prompt's offset in the held-out text
};

/// Draws one length.
int sample_length(const LengthDistribution& d, std::mt19937_64& rng);

/// The workload's requests in sending order: lengths drawn from the spec's distributions
/// (prompt + output at most `max_total`), prompts at random offsets of a text of
/// `text_bytes`, and Poisson arrival times when spec.rate > 0 (else 0: a closed loop sends
/// them as its clients are answered). The same spec gives the same requests.
std::vector<Request> make_requests(const WorkloadSpec& spec, std::int64_t text_bytes, int max_total);

/// What a policy decided: the queue positions to run now (in this order), or nothing yet
/// and when to ask again (a new arrival also asks again).
struct Decision {
    std::vector<std::size_t> take;
    double wake_at_s = std::numeric_limits<double>::infinity();
};

/// Picks batches from the waiting requests (in arrival order). `more` is false once no
/// request will arrive any more, so nothing is worth waiting for.
class BatchPolicy {
public:
    virtual ~BatchPolicy() = default;
    virtual void on_arrival(const Request&) {}
    virtual Decision next(const std::vector<Request>& queue, double now_s, bool more) = 0;
};

/// fifo | max-delay | bucket | kmeans (continuous batching is a server loop of its own).
std::unique_ptr<BatchPolicy> make_policy(const BatchPolicySpec& spec);

using Point = std::array<double, 2>;
struct KMeansResult {
    std::vector<Point> centroids;
    std::vector<int> labels;
    int iterations = 0;
};
/// Lloyd's algorithm from `init` (or k-means++ seeding when it is empty), until no label
/// changes or max_iter.
KMeansResult kmeans(const std::vector<Point>& points, int k, std::uint64_t seed, std::vector<Point> init = {},
                    int max_iter = 50);

/// The feature vector k-means clusters: log prompt length and log expected output length.
Point request_features(const Request& r);

/// Percentile p (0-100) with linear interpolation between order statistics (NumPy's default).
double percentile(std::vector<double> values, double p);

/// Token slots of a batch run and the useful ones among them.
struct SlotCount {
    std::int64_t slots = 0, useful = 0;
    double padding() const { return slots ? 1.0 - double(useful) / double(slots) : 0.0; }
    SlotCount& operator+=(const SlotCount& o) {
        slots += o.slots;
        useful += o.useful;
        return *this;
    }
};
/// How the prompts of a batch, sorted by length, split into at most `max_groups` padded
/// prefills with the fewest token slots (each group pays for its longest prompt): the group
/// sizes in order. Of the splits with the fewest slots, the one with the fewest groups.
std::vector<int> prefill_groups(const std::vector<int>& sorted_lens, int max_groups);

/// A static batch: the prompts, sorted by length, run right-padded to the longest of their
/// prefill group (see prefill_groups); the prefill gives every row its first output byte, and
/// each further byte is a decode step. Without retirement every row takes a slot at each of the
/// longest output's steps, generating or not; with it, a finished row leaves the batch.
SlotCount static_batch_slots(const std::vector<int>& prompt_lens, const std::vector<int>& out_lens,
                             int max_prefill_groups = 1, bool retire = false);

enum class Route { Edge, Cloud };
/// The router's rule (see RouterRule); the estimates are each model's expected latency for
/// the request, in ms.
Route route_request(const RouterRule& rule, const Request& r, double edge_estimate_ms, double cloud_estimate_ms);

}  // namespace sparq::engine::serve

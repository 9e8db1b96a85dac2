// The serving benchmark's spec: its fields (one table: flags, JSON, stored config), its
// validation, and the JSON of a result.
#include <algorithm>
#include <sstream>

#include "serve/serve_job.h"
#include "spec/field_table.h"
#include "sparq/engine/serving.h"

namespace sparq::engine {

const std::vector<std::string>& serving_policies() {
    static const std::vector<std::string> p{"fifo", "max-delay", "bucket", "kmeans", "continuous"};
    return p;
}

LengthDistribution parse_lengths(const std::string& text, const LengthDistribution& base, const std::string& what) {
    LengthDistribution d = base;
    std::vector<std::string> parts;
    std::size_t from = 0;
    for (std::size_t at; (at = text.find(':', from)) != std::string::npos; from = at + 1) parts.push_back(text.substr(from, at - from));
    parts.push_back(text.substr(from));
    if (parts.size() > 5) throw ConfigError(what + ": too many fields in '" + text + "'");
    try {
        if (!parts[0].empty()) d.kind = parts[0];
        if (parts.size() > 1 && !parts[1].empty()) d.median = std::stod(parts[1]);
        if (parts.size() > 2 && !parts[2].empty()) d.sigma = std::stod(parts[2]);
        if (parts.size() > 3 && !parts[3].empty()) d.min = std::stoi(parts[3]);
        if (parts.size() > 4 && !parts[4].empty()) d.max = std::stoi(parts[4]);
    } catch (const std::exception&) {
        throw ConfigError(what + ": expected KIND[:MEDIAN[:SIGMA[:MIN[:MAX]]]], got '" + text + "'");
    }
    return d;
}

std::string to_text(const LengthDistribution& d) {
    std::ostringstream o;
    o << d.kind << ':' << d.median << ':' << d.sigma << ':' << d.min << ':' << d.max;
    return o.str();
}

namespace {

void check(bool ok, const std::string& message) {
    if (!ok) throw ConfigError(message);
}

void validate_lengths(const LengthDistribution& d, const std::string& what) {
    static const std::vector<std::string> kinds{"fixed", "uniform", "lognormal", "pareto"};
    check(std::find(kinds.begin(), kinds.end(), d.kind) != kinds.end(),
          what + ": unknown distribution '" + d.kind + "' (fixed, uniform, lognormal, pareto)");
    check(d.min >= 1 && d.max >= d.min && d.max <= 4096, what + ": lengths must satisfy 1 <= min <= max <= 4096");
    check(d.median >= 1 && d.sigma > 0 && d.sigma <= 10, what + ": median must be >= 1 and sigma in (0, 10]");
}

void validate_lm(const LmSpec& m, const std::string& what) {
    check(m.d_model >= 8 && m.d_model <= 1024, what + ": d_model must be in [8, 1024]");
    check(m.heads >= 1 && m.d_model % m.heads == 0 && (m.d_model / m.heads) % 2 == 0,
          what + ": d_model must split into heads of an even width");
    check(m.layers >= 1 && m.layers <= 24, what + ": layers must be in [1, 24]");
    check(m.ff >= 8 && m.context >= 16 && m.context <= 4096, what + ": ff >= 8, context in [16, 4096]");
    check(m.train_steps >= 0 && m.batch >= 1 && m.lr > 0, what + ": train_steps >= 0, batch >= 1, lr > 0");
    check(m.holdout > 0 && m.holdout < 0.5, what + ": holdout must be in (0, 0.5)");
}

using spec::choice_field;
using spec::float_field;
using spec::int_field;
using spec::int_list_field;
using spec::text_field;

// A length distribution kept as its text form, KIND:MEDIAN:SIGMA:MIN:MAX.
spec::FieldDef<ServeBenchSpec> lengths_field(std::string key, std::string help, LengthDistribution WorkloadSpec::*member) {
    return {text_field(std::move(key), std::move(help)),
            [member](ServeBenchSpec& s, const nlohmann::json& v) {
                s.workload.*member = parse_lengths(v.get<std::string>(), s.workload.*member, "serve-bench");
            },
            [member](const ServeBenchSpec& s) { return nlohmann::json(to_text(s.workload.*member)); }};
}

const spec::FieldTable<ServeBenchSpec>& serve_table() {
#define F(info, member) SPARQ_FIELD(ServeBenchSpec, info, member)
    static const spec::FieldTable<ServeBenchSpec> t("serve", "serve-bench", "serving", {
        F(text_field("preset", "serving model preset (tiny-lm)"), model.preset),
        F(text_field("checkpoint", "trained tiny-lm (empty: cached, trained on first use)"), checkpoint),
        F(text_field("cache_dir", "where trained serving models are cached (empty: models/ beside the history)"), cache_dir),
        F(int_field("train_steps", 0, 1000000, "training steps when the model is trained here"), model.train_steps),
        F(choice_field("policy", serving_policies(), "batching policy", true), batching.policy),
        F(spec::choice_list_field("compare", serving_policies(), "policies to run one after the other on the same workload"), compare),
        F(int_field("requests", 1, 1000000, "requests in the workload", true), workload.requests),
        F(float_field("rate", 0.0, 1e6, "open loop: Poisson arrivals per second (0: closed loop)"), workload.rate),
        F(int_field("concurrency", 1, 4096, "closed loop: clients", true), workload.concurrency),
        F(int_field("seed", 0, 4294967295.0, "workload seed"), workload.seed),
        lengths_field("prompt", "prompt lengths: KIND[:MEDIAN[:SIGMA[:MIN[:MAX]]]]", &WorkloadSpec::prompt),
        lengths_field("output", "output lengths: KIND[:MEDIAN[:SIGMA[:MIN[:MAX]]]]", &WorkloadSpec::output),
        F(int_field("max_batch", 1, 1024, "largest batch (continuous: rows)"), batching.max_batch),
        F(int_list_field("preferred_batch", 1, 1e6, "max-delay: preferred batch sizes"), batching.preferred_batch_sizes),
        F(int_field("max_queue_delay_us", 0, 1e9, "max-delay, bucket, kmeans: longest wait for a fuller batch"), batching.max_queue_delay_us),
        F(int_list_field("bucket_edges", 1, 1e6, "bucket: output-length edges"), batching.bucket_edges),
        F(int_field("clusters", 1, 64, "kmeans: clusters"), batching.clusters),
        F(int_field("refit_every", 1, 1e6, "kmeans: arrivals between re-fits"), batching.refit_every),
        F(int_field("refit_window", 4, 1e6, "kmeans: the latest requests a fit sees"), batching.refit_window),
        F(choice_field("within", {"arrival", "nearest"}, "kmeans: a batch from the oldest request's cluster: arrival or nearest"), batching.within),
        F(int_field("neighbour_window", 0, 1e6, "kmeans --within nearest: among the cluster's oldest N (0: all of it)"), batching.neighbour_window),
        F(float_field("min_wait_share", 0.0, 1.0, "kmeans: a request joins once it has waited this share of the oldest one's wait"), batching.min_wait_share),
        F(float_field("output_weight", 1e-6, 100.0, "kmeans: weight of the output-length feature against the prompt's"), batching.output_weight),
        F(int_field("prefill_groups", 1, 64, "a batch's prompts, sorted by length, run as at most this many padded prefills"), batching.prefill_groups),
        F(spec::bool_field("retire_finished", "static batches: finished rows leave the batch between decode steps"), batching.retire_finished),
        F(choice_field("attention", {"full", "segmented"}, "full or segmented (sliding-window) attention"), attention),
        F(int_field("window", 2, 1e6, "segmented attention: positions each byte sees"), window),
        F(spec::bool_field("route", "edge/cloud routing: small tiny-lm-edge model or tiny-lm by the rule"), route),
        F(int_field("edge_max_prompt", 0, 1e6, "router: longest prompt the edge model takes"), router.edge_max_prompt),
        F(int_field("edge_max_output", 0, 1e6, "router: longest output the edge model takes"), router.edge_max_output),
        F(float_field("latency_budget_ms", 0.0, 1e9, "router: to the edge when the cloud's estimate exceeds this and the edge's does not"), router.latency_budget_ms),
        F(int_field("threads", 1, 256, "CPU threads"), threads),
        F(spec::device_field(), device),
    });
#undef F
    return t;
}

}  // namespace

SPARQ_DEFINE_SPEC_FIELDS(ServeBenchSpec, serve_table)

void validate(const ServeBenchSpec& s) {
    serve_table().check(s);
    check(s.model.preset == "tiny-lm", "preset: unknown serving preset '" + s.model.preset + "' (available: tiny-lm)");
    validate_lm(s.model, "model");
    if (s.route) validate_lm(s.edge, "edge");
    validate_lengths(s.workload.prompt, "prompt");
    validate_lengths(s.workload.output, "output");
    check(s.workload.rate >= 0, "rate: must be >= 0 requests/s");
    check(s.workload.rate > 0 || (s.workload.concurrency >= 1 && s.workload.concurrency <= 4096),
          "concurrency: must be in [1, 4096]");
    check(s.workload.requests >= 1 && s.workload.requests <= 1000000, "requests: must be in [1, 1000000]");
    const auto& P = serving_policies();
    for (const std::string& p : s.compare.empty() ? std::vector<std::string>{s.batching.policy} : s.compare)
        check(std::find(P.begin(), P.end(), p) != P.end(),
              "policy: unknown policy '" + p + "' (fifo, max-delay, bucket, kmeans, continuous)");
    const auto& b = s.batching;
    check(b.max_batch >= 1 && b.max_batch <= 1024, "max_batch: must be in [1, 1024]");
    check(b.max_queue_delay_us >= 0, "max_queue_delay_us: must be >= 0");
    check(b.clusters >= 1 && b.clusters <= 64, "clusters: must be in [1, 64]");
    check(b.refit_every >= 1 && b.refit_window >= 4, "refit_every >= 1 and refit_window >= 4");
    check(b.min_wait_share >= 0 && b.min_wait_share <= 1, "min_wait_share: must be in [0, 1]");
    check(b.output_weight > 0 && b.output_weight <= 100, "output_weight: must be in (0, 100]");
    check(b.within == "arrival" || b.within == "nearest", "within: arrival or nearest");
    check(b.neighbour_window >= 0, "neighbour_window: must be >= 0 (0: the whole cluster)");
    check(b.prefill_groups >= 1 && b.prefill_groups <= 64, "prefill_groups: must be in [1, 64]");
    for (int p : b.preferred_batch_sizes) check(p >= 1, "preferred_batch_sizes: each must be >= 1 (sizes above max_batch are not used)");
    check(s.attention == "full" || s.attention == "segmented", "attention: full or segmented");
    check(s.window >= 2, "window: must be >= 2");
    check(s.threads >= 1 && s.threads <= 256, "threads: must be in [1, 256]");
}

namespace serve {

nlohmann::json result_json(const ServeResult& r) {
    nlohmann::json j{{"policy", r.policy},
                     {"throughput_rps", r.throughput_rps},
                     {"tokens_per_s", r.tokens_per_s},
                     {"p50_ms", r.p50_ms},
                     {"p95_ms", r.p95_ms},
                     {"p99_ms", r.p99_ms},
                     {"padding_fraction", r.padding_fraction},
                     {"mean_batch", r.mean_batch},
                     {"batch_sizes", r.batch_sizes},
                     {"mean_queue", r.mean_queue},
                     {"max_queue", r.max_queue},
                     {"kv_cache_peak_bytes", r.kv_cache_peak_bytes},
                     {"requests", r.requests},
                     {"slots", r.token_slots},
                     {"useful_slots", r.useful_slots},
                     {"batches", r.batches},
                     {"prefill_passes", r.prefill_passes},
                     {"tokens", r.tokens},
                     {"wall_s", r.wall_s},
                     {"prefill_s", r.prefill_s},
                     {"decode_s", r.decode_s},
                     {"cpu_util", r.cpu_util}};
    if (!r.routes.empty()) {
        nlohmann::json routes = nlohmann::json::array();
        for (const auto& x : r.routes)
            routes.push_back({{"route", x.name}, {"requests", x.requests}, {"p50_ms", x.p50_ms}, {"p95_ms", x.p95_ms},
                              {"heldout_loss", x.heldout_loss}, {"next_byte_accuracy", x.next_byte_accuracy}});
        j["routes"] = routes;
    }
    return j;
}

}  // namespace serve

std::string to_json(const ServeResult& r) { return serve::result_json(r).dump(); }

}  // namespace sparq::engine

// serve_bench: the tiny-lm model (trained on the licence texts once, then cached), a seeded
// workload, and each batching policy serving it on this machine, one after the other.
#include <ATen/Parallel.h>
#include <torch/nn/functional/loss.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adamw.h>
#include <torch/serialize.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>

#include "serve/batching.h"
#include "serve/server.h"
#include "serve/tiny_lm.h"
#include "sparq/engine/errors.h"
#include "sparq/engine/serving.h"
#include "sparq/profiler/process_sampler.h"
#include "sparq/profiler/run_store.h"

namespace sparq::engine {

namespace fs = std::filesystem;
using namespace serve;

const std::vector<std::string>& serving_policies() {
    static const std::vector<std::string> p{"fifo", "max-delay", "bucket", "kmeans", "continuous"};
    return p;
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

LmConfig config_of(const LmSpec& m) { return LmConfig{m.d_model, m.layers, m.heads, m.ff, m.context}; }

std::string cache_name(const LmSpec& m) {
    char name[256];
    std::snprintf(name, sizeof name, "%s-d%d-l%d-h%d-f%d-c%d-s%d-b%d-lr%g-seed%llu.pt", m.preset.c_str(), m.d_model,
                  m.layers, m.heads, m.ff, m.context, m.train_steps, m.batch, m.lr, static_cast<unsigned long long>(m.seed));
    return name;
}

TinyLm train_lm(const LmSpec& s, const Corpus& corpus, const ServeLog& log, const std::atomic<bool>* stop) {
    // The spec's threads (one by default): more train faster on an idle machine, but beside
    // other work OpenMP's spinning threads wait for a descheduled one at every operator
    // (measured here: 0.07 s steps became 1.2 s while a compiler ran on the other core).
    torch::manual_seed(std::int64_t(s.seed));
    TinyLm model(config_of(s));
    model->train();
    torch::optim::AdamW opt(model->parameters(), torch::optim::AdamWOptions(s.lr).weight_decay(0.01));
    const torch::Tensor data = bytes_tensor(corpus.train);
    const std::int64_t span = data.size(0) - s.context - 1;
    std::mt19937_64 rng(s.seed);
    std::uniform_int_distribution<std::int64_t> start(0, span);
    const auto t0 = std::chrono::steady_clock::now();
    double ema = 0;
    for (int step = 0; step < s.train_steps; ++step) {
        throw_if_stopped(stop);
        // Warm-up for 5% of the steps, then cosine decay to a tenth.
        const double warm = std::max(1.0, 0.05 * s.train_steps), p = step / double(std::max(1, s.train_steps));
        const double lr = step < warm ? s.lr * (step + 1) / warm : s.lr * (0.1 + 0.45 * (1 + std::cos(M_PI * p)));
        for (auto& g : opt.param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
        std::vector<std::int64_t> starts(std::size_t(s.batch));
        for (auto& x : starts) x = start(rng);
        const torch::Tensor index = torch::tensor(starts).unsqueeze(1) + torch::arange(s.context + 1).unsqueeze(0);
        const torch::Tensor seq = data.index({index});
        const torch::Tensor logits = model->forward(seq.narrow(1, 0, s.context));
        const torch::Tensor loss = torch::nn::functional::cross_entropy(logits.reshape({-1, 256}),
                                                                        seq.narrow(1, 1, s.context).reshape({-1}));
        opt.zero_grad();
        loss.backward();
        torch::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
        opt.step();
        ema = step == 0 ? loss.item<double>() : 0.95 * ema + 0.05 * loss.item<double>();
        if (log && ((step + 1) % 50 == 0 || step + 1 == s.train_steps)) {
            char line[160];
            std::snprintf(line, sizeof line, "training %s: step %d/%d, loss %.3f nats/byte, %.0f s", s.preset.c_str(),
                          step + 1, s.train_steps, ema,
                          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
            log(line);
        }
    }
    model->eval();
    return model;
}

// The spec's checkpoint, or the cached model of this configuration, trained and cached
// (written to a temporary name, then renamed) when there is none.
TinyLm obtain_model(const LmSpec& s, const std::string& checkpoint, const std::string& cache_dir, const Corpus& corpus,
                    const ServeLog& log, std::vector<std::string>& messages, std::string* path_out,
                    const std::atomic<bool>* stop = nullptr) {
    TinyLm model(config_of(s));
    std::string path = checkpoint;
    if (path.empty()) {
        fs::create_directories(cache_dir);
        path = (fs::path(cache_dir) / cache_name(s)).string();
        if (!fs::exists(path)) {
            const auto t0 = std::chrono::steady_clock::now();
            model = train_lm(s, corpus, log, stop);
            const std::string tmp = path + ".tmp";
            torch::save(model, tmp);
            fs::rename(tmp, path);
            char line[256];
            std::snprintf(line, sizeof line, "trained %s (%d steps in %.0f s) on %zu files of %s; cached as %s",
                          s.preset.c_str(), s.train_steps,
                          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
                          corpus.files.size(), s.text_dir.c_str(), path.c_str());
            messages.push_back(line);
            if (log) log(line);
        }
    }
    if (!fs::exists(path)) throw ConfigError("checkpoint: no such file: " + path);
    try {
        torch::load(model, path);
    } catch (const c10::Error& e) {
        throw ConfigError("checkpoint " + path + " is not a " + s.preset + " model of this configuration (d_model " +
                          std::to_string(s.d_model) + ", " + std::to_string(s.layers) + " layers)");
    }
    model->eval();
    if (path_out) *path_out = path;
    return model;
}

// Decode milliseconds per generated byte at batch 1: the router's latency estimates.
double ms_per_byte(TinyLm& model, const std::string& text) {
    torch::NoGradGuard no_grad;
    const torch::Tensor prompt = bytes_tensor(text.substr(0, 32)).unsqueeze(0);
    const torch::Tensor len = torch::tensor(std::vector<std::int64_t>{32});
    KvCache cache;
    torch::Tensor next = model->prefill(prompt, len, 32 + 33, 0, cache).argmax(-1);
    torch::Tensor pos = len.clone();
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 32; ++i) {
        next = model->decode(next, pos, cache).argmax(-1);
        pos += 1;
    }
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / 32;
}

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

// Edge/cloud: each request routed by the rule, each route served by its own model (as on
// two machines, one after the other here), the quality of each route measured on the
// requests' true continuations.
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

// The spec's cache folder, or models/ beside its history database.
std::string cache_dir_of(const ServeBenchSpec& spec) {
    if (!spec.cache_dir.empty()) return spec.cache_dir;
    const std::string path = spec.db.empty() ? profiler::default_db_path() : spec.db;
    return (fs::path(path).parent_path() / "models").string();
}

}  // namespace

void validate(const ServeBenchSpec& s) {
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

ServeBenchReport serve_bench(const ServeBenchSpec& spec, profiler::MetricBus* bus, profiler::RunStore* store,
                             const ServeLog& log, const std::atomic<bool>* stop) {
    validate(spec);
    at::set_num_threads(spec.threads);
    ServeBenchReport report;
    const Corpus corpus = load_corpus(spec.model.text_dir, spec.model.holdout);
    const std::string cache_dir = cache_dir_of(spec);
    TinyLm model{nullptr};
    try {
        model = obtain_model(spec.model, spec.checkpoint, cache_dir, corpus, log, report.messages, &report.checkpoint, stop);
    } catch (const ServeStopped&) {
        if (log) log("stopped while training the model; nothing was served");
        report.cancelled = true;
        return report;
    }
    report.train_heldout_loss = evaluate_lm(model, corpus.heldout, spec.model.context, 0, 32).loss;

    const int max_total = max_total_of(spec.workload);
    const std::vector<Request> requests = make_requests(spec.workload, std::int64_t(corpus.heldout.size()), max_total);
    const std::vector<std::string> policies = spec.compare.empty() ? std::vector<std::string>{spec.batching.policy} : spec.compare;

    nlohmann::json config{{"preset", spec.model.preset},
                          {"policies", policies},
                          {"requests", spec.workload.requests},
                          {"rate", spec.workload.rate},
                          {"concurrency", spec.workload.concurrency},
                          {"seed", spec.workload.seed},
                          {"max_batch", spec.batching.max_batch},
                          {"max_queue_delay_us", spec.batching.max_queue_delay_us},
                          {"clusters", spec.batching.clusters},
                          {"within", spec.batching.within},
                          {"neighbour_window", spec.batching.neighbour_window},
                          {"output_weight", spec.batching.output_weight},
                          {"min_wait_share", spec.batching.min_wait_share},
                          {"prefill_groups", spec.batching.prefill_groups},
                          {"retire_finished", spec.batching.retire_finished},
                          {"attention", spec.attention},
                          {"window", spec.window},
                          {"route", spec.route}};
    if (store) {
        profiler::NewRun nr;
        nr.name = "serve-bench " + spec.model.preset;
        nr.kind = "serve";
        nr.preset = spec.model.preset;
        nr.config_json = config.dump();
        report.run_id = store->create_run(nr);
        for (const auto& m : report.messages) store->add_event(report.run_id, "info", "model", m);
    }
    // Process and per-core CPU utilization and memory beside the live serving series.
    std::unique_ptr<profiler::ProcessSampler> cpu;
    if (bus) cpu = std::make_unique<profiler::ProcessSampler>(*bus, report.run_id, 250);
    try {
        if (spec.route) {
            TinyLm edge =
                obtain_model(spec.edge, "", cache_dir, corpus, log, report.messages, nullptr, stop);
            report.results.push_back(
                run_routed(spec, model, edge, corpus.heldout, requests, bus, report.run_id, log, stop));
        } else {
            for (const std::string& policy : policies) {
                if (log) log("serving " + std::to_string(requests.size()) + " requests with " + policy);
                ServerRun r = run_server(model, corpus.heldout, requests,
                                         server_config(spec, policy, spec.workload.concurrency, stop),
                                         LiveOut{bus, report.run_id, policy});
                if (log) {
                    char line[240];
                    std::snprintf(line, sizeof line,
                                  "%s: %.2f req/s, %.0f bytes/s, p50 %.0f ms, p95 %.0f ms, padding %.3f, mean batch %.1f",
                                  policy.c_str(), r.result.throughput_rps, r.result.tokens_per_s, r.result.p50_ms,
                                  r.result.p95_ms, r.result.padding_fraction, r.result.mean_batch);
                    log(line);
                }
                report.results.push_back(std::move(r.result));
            }
        }
    } catch (const ServeStopped&) {
        // The policy that was running has partial figures only: it is dropped; the policies
        // that finished are kept.
        report.cancelled = true;
        const std::size_t n = report.results.size();
        if (log) log("stopped; " + std::to_string(n) + (n == 1 ? " policy" : " policies") + " had finished");
    } catch (...) {
        if (store && report.run_id) store->finish_run(report.run_id, "failed", "{}", std::nullopt);
        throw;
    }
    cpu.reset();  // its last sample before the run ends
    if (store && report.run_id) {
        nlohmann::json results = nlohmann::json::array();
        for (const auto& r : report.results) results.push_back(result_json(r));
        // Triton's dynamic-batching settings for an export of this run: the max-delay policy's.
        nlohmann::json summary{{"results", results},
                               {"checkpoint", report.checkpoint},
                               {"train_heldout_loss", report.train_heldout_loss},
                               {"serving",
                                {{"preferred_batch_sizes", spec.batching.preferred_batch_sizes},
                                 {"max_queue_delay_us", spec.batching.max_queue_delay_us}}}};
        store->finish_run(report.run_id, report.cancelled ? "cancelled" : "completed", summary.dump(), std::nullopt);
    }
    return report;
}

std::vector<AttentionProbe> probe_attention(const ServeBenchSpec& spec, int input_length, const ServeLog& log) {
    validate(spec);
    check(input_length >= 16, "input length: must be >= 16");
    at::set_num_threads(spec.threads);
    const Corpus corpus = load_corpus(spec.model.text_dir, spec.model.holdout);
    std::vector<std::string> messages;
    TinyLm model = obtain_model(spec.model, spec.checkpoint,
                                cache_dir_of(spec), corpus, log,
                                messages, nullptr);
    check(std::int64_t(corpus.heldout.size()) > input_length + 1,
          "input length: longer than the held-out text (" + std::to_string(corpus.heldout.size()) + " bytes)");
    std::vector<AttentionProbe> out;
    torch::NoGradGuard no_grad;
    for (const std::string mode : {"full", "segmented"}) {
        AttentionProbe p;
        p.mode = mode;
        p.input_length = input_length;
        p.window = mode == "segmented" ? spec.window : 0;
        // The cache after the prompt and one generated byte, as allocated.
        const torch::Tensor prompt = bytes_tensor(corpus.heldout.substr(0, std::size_t(input_length))).unsqueeze(0);
        const torch::Tensor len = torch::tensor(std::vector<std::int64_t>{input_length});
        KvCache cache;
        const torch::Tensor next = model->prefill(prompt, len, input_length + 1, p.window, cache).argmax(-1);
        model->decode(next, len, cache);
        p.kv_cache_bytes = cache.bytes();
        const LmEval e = evaluate_lm(model, corpus.heldout, input_length, p.window, 8);
        p.heldout_loss = e.loss;
        p.next_byte_accuracy = e.accuracy;
        if (log) {
            char line[200];
            std::snprintf(line, sizeof line, "%s attention at %d bytes: KV cache %lld bytes, held-out loss %.3f", mode.c_str(),
                          input_length, static_cast<long long>(p.kv_cache_bytes), p.heldout_loss);
            log(line);
        }
        out.push_back(p);
    }
    return out;
}

std::string to_json(const ServeResult& r) { return result_json(r).dump(); }

}  // namespace sparq::engine

// sparq-cli serve-bench: tiny-lm answering a seeded workload under each batching policy.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "sparq/engine/errors.h"

namespace sparq::cli {

namespace {

// The history a serve-bench run is recorded in, with the bus its live series go through.
struct History {
    explicit History(const std::string& db) : store(profiler::RunStore::open({db_or_default(db)})) { store->attach(bus); }
    profiler::MetricBus bus;  // outlives the store attached to it
    std::unique_ptr<profiler::RunStore> store;
};

// "lognormal:MEDIAN:SIGMA:MIN:MAX", "pareto:...", "uniform::MIN:MAX" style, or just a kind.
engine::LengthDistribution parse_lengths(const std::string& text, engine::LengthDistribution d, const std::string& flag) {
    std::vector<std::string> parts;
    std::size_t from = 0;
    for (std::size_t at; (at = text.find(':', from)) != std::string::npos; from = at + 1) parts.push_back(text.substr(from, at - from));
    parts.push_back(text.substr(from));
    try {
        if (!parts[0].empty()) d.kind = parts[0];
        if (parts.size() > 1 && !parts[1].empty()) d.median = std::stod(parts[1]);
        if (parts.size() > 2 && !parts[2].empty()) d.sigma = std::stod(parts[2]);
        if (parts.size() > 3 && !parts[3].empty()) d.min = std::stoi(parts[3]);
        if (parts.size() > 4 && !parts[4].empty()) d.max = std::stoi(parts[4]);
    } catch (const std::exception&) {
        throw engine::ConfigError(flag + ": expected KIND[:MEDIAN[:SIGMA[:MIN[:MAX]]]], got '" + text + "'");
    }
    if (parts.size() > 5) throw engine::ConfigError(flag + ": too many fields in '" + text + "'");
    return d;
}

void print_text(const engine::ServeResult& r) {
    std::printf("%-16s %8.2f req/s %9.0f bytes/s  p50 %7.0f ms  p95 %7.0f ms  p99 %7.0f ms  padding %.3f  mean batch %5.1f\n",
                r.policy.c_str(), r.throughput_rps, r.tokens_per_s, r.p50_ms, r.p95_ms, r.p99_ms, r.padding_fraction,
                r.mean_batch);
    for (const auto& x : r.routes)
        std::printf("  route %-6s %5lld requests  p50 %7.0f ms  p95 %7.0f ms  held-out loss %.3f  next-byte accuracy %.3f\n",
                    x.name.c_str(), static_cast<long long>(x.requests), x.p50_ms, x.p95_ms, x.heldout_loss,
                    x.next_byte_accuracy);
}

// Ctrl-C ends the benchmark within a decode step; the policies that finished are printed and
// stored, the run as cancelled.
std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");
extern "C" void on_interrupt(int) { g_stop.store(true, std::memory_order_relaxed); }

}  // namespace

int run_serve_bench(ServeBenchOptions o) {
    engine::ServeBenchSpec& spec = o.spec;
    if (!o.prompt.empty()) spec.workload.prompt = parse_lengths(o.prompt, spec.workload.prompt, "--prompt");
    if (!o.output.empty()) spec.workload.output = parse_lengths(o.output, spec.workload.output, "--output");
    if (o.compare) spec.compare = engine::serving_policies();
    engine::validate(spec);
    const engine::ServeLog log = [&](const std::string& line) {
        if (!o.quiet) std::fprintf(stderr, "sparq-cli: %s\n", line.c_str());
    };

    if (o.probe_length > 0) {
        const auto probes = engine::probe_attention(spec, o.probe_length, log);
        nlohmann::json out = nlohmann::json::array();
        for (const auto& p : probes)
            out.push_back({{"mode", p.mode}, {"input_length", p.input_length}, {"window", p.window},
                           {"kv_cache_bytes", p.kv_cache_bytes}, {"heldout_loss", p.heldout_loss},
                           {"next_byte_accuracy", p.next_byte_accuracy}});
        if (o.json) {
            std::printf("%s\n", out.dump().c_str());
        } else {
            for (const auto& p : probes)
                std::printf("%-9s attention at %d bytes%s: KV cache %lld bytes, held-out loss %.3f nats/byte, next-byte accuracy %.3f\n",
                            p.mode.c_str(), p.input_length,
                            p.window ? (" (window " + std::to_string(p.window) + ")").c_str() : "",
                            static_cast<long long>(p.kv_cache_bytes), p.heldout_loss, p.next_byte_accuracy);
            if (probes.size() == 2 && probes[1].kv_cache_bytes > 0)
                std::printf("the window keeps %.2fx less cache\n", double(probes[0].kv_cache_bytes) / double(probes[1].kv_cache_bytes));
        }
        return 0;
    }

    std::unique_ptr<History> history;
    if (o.record) history = std::make_unique<History>(spec.db);
    g_stop.store(false);
    const auto previous = std::signal(SIGINT, on_interrupt);
    const engine::ServeBenchReport report = engine::serve_bench(
        spec, history ? &history->bus : nullptr, history ? history->store.get() : nullptr, log, &g_stop);
    std::signal(SIGINT, previous);
    history.reset();  // every sample committed
    const int status = report.cancelled ? 130 : 0;  // the shell's code for an interrupted command
    if (report.cancelled && o.quiet) std::fprintf(stderr, "sparq-cli: interrupted\n");  // else the log said so
    if (o.json) {
        if (spec.compare.empty()) {
            if (report.results.empty()) return status;
            std::printf("%s\n", engine::to_json(report.results.front()).c_str());
        } else {
            nlohmann::json all = nlohmann::json::array();
            for (const auto& r : report.results) all.push_back(nlohmann::json::parse(engine::to_json(r)));
            std::printf("%s\n", all.dump().c_str());
        }
        return status;
    }
    for (const auto& r : report.results) print_text(r);
    if (report.run_id) std::printf("recorded as run %lld\n", static_cast<long long>(report.run_id));
    return status;
}

}  // namespace sparq::cli

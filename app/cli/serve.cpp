// sparq-cli serve-bench: tiny-lm answering a seeded workload under each batching policy.
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli.h"
#include "progress.h"

namespace sparq::cli {

namespace {

struct ServeOptions {
    SpecInput input;
    Common common;
    int probe_length = 0;  // > 0: full against segmented attention at this input length
    bool record = true;
};

void print_text(const engine::ServeResult& r) {
    std::printf("%-16s %8.2f req/s %9.0f bytes/s  p50 %7.0f ms  p95 %7.0f ms  p99 %7.0f ms  padding %.3f  mean batch %5.1f\n",
                r.policy.c_str(), r.throughput_rps, r.tokens_per_s, r.p50_ms, r.p95_ms, r.p99_ms, r.padding_fraction,
                r.mean_batch);
    for (const auto& x : r.routes)
        std::printf("  route %-6s %5lld requests  p50 %7.0f ms  p95 %7.0f ms  held-out loss %.3f  next-byte accuracy %.3f\n",
                    x.name.c_str(), static_cast<long long>(x.requests), x.p50_ms, x.p95_ms, x.heldout_loss,
                    x.next_byte_accuracy);
}

int probe(const engine::ServeBenchSpec& spec, int length, bool json, const engine::ServeLog& log) {
    const auto probes = engine::probe_attention(spec, spec.cache_dir, length, log);
    nlohmann::json out = nlohmann::json::array();
    for (const auto& p : probes)
        out.push_back({{"mode", p.mode}, {"input_length", p.input_length}, {"window", p.window},
                       {"kv_cache_bytes", p.kv_cache_bytes}, {"heldout_loss", p.heldout_loss},
                       {"next_byte_accuracy", p.next_byte_accuracy}});
    if (json) {
        std::printf("%s\n", out.dump().c_str());
        return 0;
    }
    for (const auto& p : probes)
        std::printf("%-9s attention at %d bytes%s: KV cache %lld bytes, held-out loss %.3f nats/byte, next-byte accuracy %.3f\n",
                    p.mode.c_str(), p.input_length, p.window ? (" (window " + std::to_string(p.window) + ")").c_str() : "",
                    static_cast<long long>(p.kv_cache_bytes), p.heldout_loss, p.next_byte_accuracy);
    if (probes.size() == 2 && probes[1].kv_cache_bytes > 0)
        std::printf("the window keeps %.2fx less cache\n", double(probes[0].kv_cache_bytes) / double(probes[1].kv_cache_bytes));
    return 0;
}

int run_serve_bench(const ServeOptions& o) {
    engine::ServeBenchSpec spec = merge_spec(engine::ServeBenchSpec{}, o.input, o.common);
    // Trained models are cached beside the history the command names, recorded or not.
    if (spec.cache_dir.empty())
        spec.cache_dir = (std::filesystem::path(db_or_default(o.common.db)).parent_path() / "models").string();
    const engine::ServeLog log = [&](const std::string& line) {
        if (!o.common.quiet) std::fprintf(stderr, "sparq-cli: %s\n", line.c_str());
    };
    if (o.probe_length > 0) return probe(spec, o.probe_length, o.common.json, log);

    JobRunner runner(o.common, {}, o.record);
    LogSink sink(log);
    const auto job = runner.engine().submit(spec, sink);
    const engine::JobEnd end = runner.wait(job);
    if (end.status == engine::JobStatus::Failed) return exit_code(end);
    const engine::ServeBenchReport report = job.get();
    if (end.status == engine::JobStatus::Cancelled && o.common.quiet) std::fprintf(stderr, "sparq-cli: interrupted\n");
    if (o.common.json) {
        if (spec.compare.empty()) {
            if (!report.results.empty()) std::printf("%s\n", engine::to_json(report.results.front()).c_str());
        } else {
            nlohmann::json all = nlohmann::json::array();
            for (const auto& r : report.results) all.push_back(nlohmann::json::parse(engine::to_json(r)));
            std::printf("%s\n", all.dump().c_str());
        }
    } else {
        for (const auto& r : report.results) print_text(r);
        if (o.record) std::printf("recorded as run %lld\n", static_cast<long long>(end.run_id));
    }
    std::fflush(stdout);
    return exit_code(end);
}

}  // namespace

void add_serve_bench(CLI::App& app, int& exit) {
    auto o = std::make_shared<ServeOptions>();
    auto* cmd = app.add_subcommand("serve-bench", "tiny-lm serving a seeded request workload under a batching policy");
    std::string all;
    for (const std::string& p : engine::serving_policies()) all += (all.empty() ? "" : ",") + p;
    add_spec_flags(cmd, o->input, engine::spec_fields<engine::ServeBenchSpec>(),
                   {{"preset"}, {"policy"}, {"compare", "--compare", all}, {"rate"}, {"concurrency"}, {"requests"},
                    {"seed"}, {"prompt"}, {"output"}, {"max_batch"}, {"preferred_batch"}, {"max_queue_delay_us"},
                    {"bucket_edges"}, {"clusters"}, {"refit_every"}, {"within"}, {"neighbour_window"},
                    {"min_wait_share"}, {"output_weight"}, {"prefill_groups"},
                    {"retire_finished", "--no-retire", "false"}, {"attention"}, {"window"}, {"route", "--route", "true"},
                    {"edge_max_prompt"}, {"edge_max_output"}, {"latency_budget_ms"}, {"checkpoint"}, {"cache_dir"},
                    {"train_steps"}});
    cmd->get_option("--concurrency")->excludes(cmd->get_option("--rate"));
    cmd->add_option("--probe-attention", o->probe_length,
                    "instead of serving: KV cache and held-out loss of full and segmented attention at this input length");
    cmd->add_flag_callback("--no-record", [o] { o->record = false; }, "do not store the run in the history");
    add_common(cmd, o->common, kDb | kThreads | kDevice | kJson | kQuiet);
    cmd->callback([o, &exit] { exit = run_serve_bench(*o); });
}

}  // namespace sparq::cli

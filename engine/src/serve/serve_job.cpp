#include "serve/serve_job.h"

#include <ATen/Parallel.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <cstdio>
#include <memory>

#include "job/job_state.h"
#include "serve/batching.h"
#include "serve/lm_cache.h"
#include "serve/routing.h"
#include "serve/server.h"
#include "serve/tiny_lm.h"
#include "sparq/engine/errors.h"
#include "sparq/profiler/process_sampler.h"

namespace sparq::engine::serve {

namespace {

// A model that is trained here takes the first half of the job's progress; the policies share
// the rest.
constexpr double kModelShare = 0.5;

std::string policy_line(const std::string& policy, const ServeResult& r) {
    char line[240];
    std::snprintf(line, sizeof line,
                  "%s: %.2f req/s, %.0f bytes/s, p50 %.0f ms, p95 %.0f ms, padding %.3f, mean batch %.1f", policy.c_str(),
                  r.throughput_rps, r.tokens_per_s, r.p50_ms, r.p95_ms, r.padding_fraction, r.mean_batch);
    return line;
}

}  // namespace

ServeBenchReport run_serve_bench(const ServeBenchSpec& spec, JobContext& ctx) {
    validate(spec);
    at::set_num_threads(spec.threads);
    ServeBenchReport report;
    report.run_id = ctx.run;
    report.device = ctx.device.name;
    const ServeLog log = [&ctx](const std::string& line) { ctx.log("info", line); };
    const std::atomic<bool>* stop = &ctx.job.cancel_flag();
    const Corpus corpus = load_corpus(spec.model.text_dir, spec.model.holdout);
    const std::string& cache_dir = spec.cache_dir;
    try {
        TinyLm model = obtain_model(spec.model, spec.checkpoint, cache_dir, corpus, log, report.messages,
                                    &report.checkpoint, &ctx, 0.0, kModelShare);
        for (const auto& m : report.messages)
            if (ctx.store) ctx.store->add_event(ctx.run, "info", "model", m);
        report.train_heldout_loss = evaluate_lm(model, corpus.heldout, spec.model.context, 0, 32).loss;

        const int max_total = max_total_of(spec.workload);
        const std::vector<Request> requests =
            make_requests(spec.workload, std::int64_t(corpus.heldout.size()), max_total);
        const std::vector<std::string> policies =
            spec.compare.empty() ? std::vector<std::string>{spec.batching.policy} : spec.compare;

        // Process and per-core CPU utilization and memory beside the live serving series.
        profiler::ProcessSampler cpu(ctx.bus, ctx.run, 250);
        if (spec.route) {
            ctx.progress("routing between tiny-lm-edge and " + spec.model.preset, kModelShare);
            TinyLm edge = obtain_model(spec.edge, "", cache_dir, corpus, log, report.messages, nullptr);
            report.results.push_back(
                run_routed(spec, model, edge, corpus.heldout, requests, &ctx.bus, ctx.run, log, stop));
        } else {
            for (std::size_t i = 0; i < policies.size(); ++i) {
                const std::string& policy = policies[i];
                ctx.progress("policy " + policy,
                             kModelShare + (1.0 - kModelShare) * double(i) / double(policies.size()));
                log("serving " + std::to_string(requests.size()) + " requests with " + policy);
                ServerRun r = run_server(model, corpus.heldout, requests,
                                         server_config(spec, policy, spec.workload.concurrency, stop),
                                         LiveOut{&ctx.bus, ctx.run, policy});
                log(policy_line(policy, r.result));
                report.results.push_back(std::move(r.result));
            }
        }
    } catch (const ServeStopped&) {
        // The policy that was running has partial figures only: it is dropped; the policies
        // that finished are kept.
        report.cancelled = true;
        const std::size_t n = report.results.size();
        log(n == 0 ? std::string("stopped; nothing was served")
                   : "stopped; " + std::to_string(n) + (n == 1 ? " policy" : " policies") + " had finished");
    }
    return report;
}

std::string summary_json(const ServeBenchSpec& spec, const ServeBenchReport& report) {
    nlohmann::json results = nlohmann::json::array();
    for (const auto& r : report.results) results.push_back(result_json(r));
    // Triton's dynamic-batching settings for an export of this run: the max-delay policy's.
    const nlohmann::json summary{{"results", results},
                                 {"checkpoint", report.checkpoint},
                                 {"train_heldout_loss", report.train_heldout_loss},
                                 {"device", report.device},
                                 {"serving",
                                  {{"preferred_batch_sizes", spec.batching.preferred_batch_sizes},
                                   {"max_queue_delay_us", spec.batching.max_queue_delay_us}}}};
    return summary.dump();
}

}  // namespace sparq::engine::serve

namespace sparq::engine {

std::vector<AttentionProbe> probe_attention(const ServeBenchSpec& spec, const std::string& cache_dir, int input_length,
                                            const ServeLog& log) {
    using namespace serve;
    validate(spec);
    if (input_length < 16) throw ConfigError("input length: must be >= 16");
    at::set_num_threads(spec.threads);
    const Corpus corpus = load_corpus(spec.model.text_dir, spec.model.holdout);
    std::vector<std::string> messages;
    TinyLm model = obtain_model(spec.model, spec.checkpoint, cache_dir, corpus, log, messages, nullptr);
    if (std::int64_t(corpus.heldout.size()) <= input_length + 1)
        throw ConfigError("input length: longer than the held-out text (" + std::to_string(corpus.heldout.size()) +
                          " bytes)");
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
            std::snprintf(line, sizeof line, "%s attention at %d bytes: KV cache %lld bytes, held-out loss %.3f",
                          mode.c_str(), input_length, static_cast<long long>(p.kv_cache_bytes), p.heldout_loss);
            log(line);
        }
        out.push_back(p);
    }
    return out;
}

}  // namespace sparq::engine

// tiny-lm's cache computes what the model computes without it (full and segmented
// attention), its memory is what it holds, and the server answers every request of a
// workload under every policy with the figures its batches imply.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <atomic>
#include <chrono>
#include <numeric>
#include <thread>

#include "common/test_data.h"
#include "serve/batching.h"
#include "serve/server.h"
#include "serve/tiny_lm.h"

using namespace sparq::engine;
using namespace sparq::engine::serve;

namespace {

TinyLm small_model() {
    torch::manual_seed(5);
    TinyLm m(LmConfig{32, 2, 2, 64, 64});
    m->eval();
    return m;
}

// Generates `steps` bytes greedily for padded prompts through the cache; returns the logits
// of each step, [steps, B, 256].
torch::Tensor cached_logits(TinyLm& m, const torch::Tensor& tokens, const torch::Tensor& lengths, int steps,
                            std::int64_t window, std::vector<std::vector<std::int64_t>>& generated) {
    KvCache cache;
    std::vector<torch::Tensor> out;
    torch::Tensor logits = m->prefill(tokens, lengths, tokens.size(1) + steps, window, cache);
    torch::Tensor pos = lengths.clone();
    generated.assign(std::size_t(tokens.size(0)), {});
    for (int s = 0; s < steps; ++s) {
        out.push_back(logits);
        const torch::Tensor next = logits.argmax(-1);
        for (std::int64_t b = 0; b < tokens.size(0); ++b) generated[std::size_t(b)].push_back(next[b].item<std::int64_t>());
        logits = m->decode(next, pos, cache);
        pos += 1;
    }
    return torch::stack(out);
}

void expect_cache_matches_forward(std::int64_t window) {
    torch::NoGradGuard no_grad;
    TinyLm m = small_model();
    const std::vector<std::int64_t> lens{30, 12, 5};
    const torch::Tensor tokens = torch::randint(0, 256, {3, 30}, torch::kLong);
    const torch::Tensor lengths = torch::tensor(lens);
    std::vector<std::vector<std::int64_t>> generated;
    const torch::Tensor cached = cached_logits(m, tokens, lengths, 6, window, generated);
    for (std::int64_t b = 0; b < 3; ++b) {
        // Row b alone, without padding: its prompt and what the cache path generated.
        std::vector<std::int64_t> seq(tokens[b].data_ptr<std::int64_t>(), tokens[b].data_ptr<std::int64_t>() + lens[std::size_t(b)]);
        for (int s = 0; s < 6; ++s) {
            const torch::Tensor full = m->forward(torch::tensor(seq).unsqueeze(0), window).squeeze(0);
            EXPECT_TRUE(torch::allclose(full[-1], cached[s][b], 1e-4, 1e-4))
                << "row " << b << " step " << s << " window " << window << ": max diff "
                << (full[-1] - cached[s][b]).abs().max().item<double>();
            seq.push_back(generated[std::size_t(b)][std::size_t(s)]);
        }
    }
}

}  // namespace

TEST(TinyLm, CachedGenerationMatchesTheFullForward) { expect_cache_matches_forward(0); }

// Segmented: the ring of 8 slots wraps during the prompt of rows 0 and 1 and during the
// generation of row 2.
TEST(TinyLm, SegmentedCacheMatchesTheWindowedForward) { expect_cache_matches_forward(8); }

TEST(TinyLm, SegmentedCacheHoldsTheWindowOnly) {
    torch::NoGradGuard no_grad;
    TinyLm m = small_model();
    const std::int64_t L = 512, W = 32;
    const torch::Tensor tokens = torch::randint(0, 256, {1, L}, torch::kLong), lengths = torch::tensor(std::vector<std::int64_t>{L});
    KvCache full, ring;
    m->prefill(tokens, lengths, L + 1, 0, full);
    m->prefill(tokens, lengths, L + 1, W, ring);
    // 2 layers x K and V x 1 row x 2 heads x slots x 16 floats.
    EXPECT_EQ(full.bytes(), 2 * 2 * 2 * (L + 1) * 16 * 4);
    EXPECT_EQ(ring.bytes(), 2 * 2 * 2 * W * 16 * 4);
    EXPECT_GE(double(full.bytes()) / double(ring.bytes()), double(L) / double(W));
}

// What a static batch does with grouped prefills and retirement: prompts prefilled in two
// groups and copied into one cache, then a finished row dropped, decode exactly as one
// prefill of all the prompts does, row for row.
TEST(TinyLm, GroupedPrefillAndRetiredRowsDecodeAsOneBatch) {
    torch::NoGradGuard no_grad;
    TinyLm m = small_model();
    for (const std::int64_t window : {std::int64_t(0), std::int64_t(8)}) {
        SCOPED_TRACE(window);
        const torch::Tensor tokens = torch::randint(0, 256, {3, 30}, torch::kLong);
        const torch::Tensor lengths = torch::tensor(std::vector<std::int64_t>{5, 12, 30});
        const std::int64_t slots = 36;
        KvCache whole;
        torch::Tensor next = m->prefill(tokens, lengths, slots, window, whole).argmax(-1);
        torch::Tensor pos = lengths.clone();
        const torch::Tensor step1 = m->decode(next, pos, whole);
        const torch::Tensor step2 = m->decode(step1.argmax(-1), pos + 1, whole);

        KvCache merged = m->empty_cache(3, window > 0 ? window : slots, window > 0), part;
        const torch::Tensor first =
            m->prefill(tokens.narrow(0, 0, 2).narrow(1, 0, 12), lengths.narrow(0, 0, 2), slots, window, part).argmax(-1);
        merged.copy_rows_from(part, torch::tensor(std::vector<std::int64_t>{0, 1}));
        const torch::Tensor last = m->prefill(tokens.narrow(0, 2, 1), lengths.narrow(0, 2, 1), slots, window, part).argmax(-1);
        merged.copy_rows_from(part, torch::tensor(std::vector<std::int64_t>{2}));
        EXPECT_TRUE(torch::equal(torch::cat({first, last}), next));
        const torch::Tensor grouped1 = m->decode(next, pos, merged);
        EXPECT_TRUE(torch::allclose(grouped1, step1, 1e-4, 1e-4)) << (grouped1 - step1).abs().max().item<double>();
        // Row 1 is done: rows 0 and 2 go on alone.
        const torch::Tensor keep = torch::tensor(std::vector<std::int64_t>{0, 2});
        merged.keep_rows(keep);
        EXPECT_EQ(merged.k[0].size(0), 2);
        const torch::Tensor retired2 = m->decode(step1.argmax(-1).index_select(0, keep), (pos + 1).index_select(0, keep), merged);
        EXPECT_TRUE(torch::allclose(retired2, step2.index_select(0, keep), 1e-4, 1e-4))
            << (retired2 - step2.index_select(0, keep)).abs().max().item<double>();
    }
}

TEST(TinyLm, CorpusSplitsEveryFileAndEvaluates) {
    SPARQ_REQUIRE_LICENCE_TEXTS();
    const Corpus c = load_corpus(sparq::test::licence_texts_dir(), 0.1);
    ASSERT_FALSE(c.files.empty());
    EXPECT_NEAR(double(c.heldout.size()) / double(c.train.size() + c.heldout.size()), 0.1, 0.01);
    TinyLm m = small_model();
    const LmEval e = evaluate_lm(m, c.heldout, 64, 0, 4);
    EXPECT_EQ(e.bytes, 4 * 64);
    EXPECT_NEAR(e.loss, std::log(256.0), 0.5) << "an untrained model is near uniform";
    EXPECT_THROW(load_corpus("/nonexistent-folder"), std::runtime_error);
}

namespace {

std::string text_of(std::size_t n) {
    std::string t;
    for (std::size_t i = 0; i < n; ++i) t.push_back(char('a' + (i * 7 + i / 13) % 26));
    return t;
}

ServerConfig config(const std::string& policy) {
    ServerConfig c;
    c.batching.policy = policy;
    c.batching.max_batch = 4;
    c.batching.preferred_batch_sizes = {2, 4};
    c.batching.max_queue_delay_us = 2000;
    c.batching.clusters = 2;
    c.batching.refit_every = 4;
    c.concurrency = 6;
    c.max_total = 64;
    // The plain static batch: one padded prefill, every row to the longest output.
    c.batching.prefill_groups = 1;
    c.batching.retire_finished = false;
    return c;
}

}  // namespace

TEST(Server, EveryPolicyAnswersEveryRequest) {
    torch::NoGradGuard no_grad;
    TinyLm m = small_model();
    const std::string text = text_of(4000);
    WorkloadSpec w;
    w.requests = 20;
    w.prompt = {"uniform", 8, 1, 4, 24};
    w.output = {"uniform", 8, 1, 1, 20};
    const auto requests = make_requests(w, std::int64_t(text.size()), 64);
    const std::int64_t tokens = std::accumulate(requests.begin(), requests.end(), std::int64_t(0),
                                                [](std::int64_t s, const Request& r) { return s + r.max_new; });
    for (const std::string policy : {"fifo", "max-delay", "bucket", "kmeans", "continuous"}) {
        SCOPED_TRACE(policy);
        const ServerRun run = run_server(m, text, requests, config(policy));
        EXPECT_EQ(run.result.requests, 20);
        EXPECT_EQ(run.result.tokens, tokens);
        for (double ms : run.latency_ms) EXPECT_GT(ms, 0.0);
        EXPECT_GT(run.result.throughput_rps, 0.0);
        EXPECT_LE(run.result.p50_ms, run.result.p95_ms);
        EXPECT_LE(run.result.p95_ms, run.result.p99_ms);
        EXPECT_GT(run.result.padding_fraction, 0.0) << "mixed lengths waste slots";
        EXPECT_LT(run.result.padding_fraction, 1.0);
        EXPECT_GT(run.result.kv_cache_peak_bytes, 0);
        EXPECT_GE(run.result.mean_batch, 1.0);
        EXPECT_LE(run.result.mean_batch, 4.0);
        EXPECT_LE(run.result.max_queue, 6) << "a closed loop of 6 clients";
    }
}

TEST(Server, EqualRequestsWasteNoSlotsInStaticBatches) {
    torch::NoGradGuard no_grad;
    TinyLm m = small_model();
    const std::string text = text_of(4000);
    WorkloadSpec w;
    w.requests = 16;
    w.prompt = {"fixed", 12, 1, 1, 64};
    w.output = {"fixed", 9, 1, 1, 64};
    const auto requests = make_requests(w, std::int64_t(text.size()), 64);
    for (const std::string policy : {"fifo", "max-delay", "bucket", "kmeans"}) {
        SCOPED_TRACE(policy);
        ServerConfig c = config(policy);
        c.concurrency = 8;
        const ServerRun run = run_server(m, text, requests, c);
        EXPECT_DOUBLE_EQ(run.result.padding_fraction, 0.0);
        if (policy == "fifo") {
            EXPECT_DOUBLE_EQ(run.result.mean_batch, 4.0);
            EXPECT_EQ(run.result.batch_sizes[4], 4);
        }
    }
}

// The slots a static batch runs are the ones its shape implies, for every way of running it:
// one prefill or groups of similar prompts, finished rows kept or retired.
TEST(Server, StaticBatchRunsTheSlotsItsPrefillGroupsAndRetirementImply) {
    torch::NoGradGuard no_grad;
    TinyLm m = small_model();
    const std::string text = text_of(4000);
    const std::vector<int> prompt{20, 4, 5, 18}, output{3, 9, 1, 6};
    std::vector<Request> requests;
    for (std::size_t i = 0; i < prompt.size(); ++i) requests.push_back({0, prompt[i], output[i], 0.0, std::int64_t(100 * i)});
    struct Way {
        int groups;
        bool retire;
    };
    for (const Way way : {Way{1, false}, Way{1, true}, Way{2, false}, Way{3, true}}) {
        SCOPED_TRACE(testing::Message() << way.groups << " groups, retire " << way.retire);
        ServerConfig c = config("fifo");
        c.concurrency = 4;
        c.batching.prefill_groups = way.groups;
        c.batching.retire_finished = way.retire;
        const ServerRun run = run_server(m, text, requests, c);
        ASSERT_EQ(run.result.batches, 1);
        const SlotCount expected = static_batch_slots(prompt, output, way.groups, way.retire);
        EXPECT_EQ(run.result.token_slots, expected.slots);
        EXPECT_EQ(run.result.useful_slots, expected.useful);
        EXPECT_EQ(run.result.prefill_passes, std::int64_t(prefill_groups({4, 5, 18, 20}, way.groups).size()));
        EXPECT_EQ(run.result.tokens, 19);
    }
}

// Four clients and batches of eight: a fixed-size FIFO must not wait for a batch that can
// never fill.
TEST(Server, FifoWithFewerClientsThanItsBatchDoesNotWaitForEver) {
    torch::NoGradGuard no_grad;
    TinyLm m = small_model();
    const std::string text = text_of(4000);
    WorkloadSpec w;
    w.requests = 10;
    w.prompt = {"fixed", 8, 1, 1, 64};
    w.output = {"fixed", 4, 1, 1, 64};
    ServerConfig c = config("fifo");
    c.batching.max_batch = 8;
    c.concurrency = 4;
    const ServerRun run = run_server(m, text, make_requests(w, std::int64_t(text.size()), 64), c);
    EXPECT_EQ(run.result.requests, 10);
    EXPECT_LE(run.result.mean_batch, 4.0);
}

// A stop flag set while requests are served ends the run within a decode step.
TEST(Server, StopsWithinAStepWhenAsked) {
    torch::NoGradGuard no_grad;
    TinyLm m = small_model();
    const std::string text = text_of(4000);
    WorkloadSpec w;
    w.requests = 100000;  // far more than can be served before the stop
    w.prompt = {"fixed", 8, 1, 1, 64};
    w.output = {"fixed", 40, 1, 1, 64};
    for (const char* policy : {"kmeans", "continuous"}) {
        SCOPED_TRACE(policy);
        std::atomic<bool> stop{false};
        ServerConfig c = config(policy);
        c.stop = &stop;
        std::thread stopper([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            stop.store(true);
        });
        const auto t0 = std::chrono::steady_clock::now();
        EXPECT_THROW(run_server(m, text, make_requests(w, std::int64_t(text.size()), 64), c), ServeStopped);
        stopper.join();
        EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 5.0);
    }
}

TEST(Server, RequestQualityScoresTheTrueContinuation) {
    TinyLm m = small_model();
    const std::string text = text_of(1000);
    Request r;
    r.prompt_len = 10;
    r.max_new = 5;
    r.text_at = 100;
    const RequestQuality q = request_quality(m, text, r);
    EXPECT_EQ(q.bytes, 5);
    EXPECT_GT(q.loss_sum, 0.0);
    EXPECT_LE(q.correct, 5);
}

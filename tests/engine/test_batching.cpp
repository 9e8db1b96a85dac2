// The serving pieces that need no model: each batching policy forms the batches it should on
// constructed queues, k-means converges on separable features, percentiles and padding are
// right on constructed data, the router follows its rule, and the workload repeats by seed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "serve/batching.h"

using namespace sparq::engine;
using namespace sparq::engine::serve;

namespace {

Request req(std::int64_t id, int prompt, int out, double at) {
    Request r;
    r.id = id;
    r.prompt_len = prompt;
    r.max_new = out;
    r.arrival_s = at;
    return r;
}

std::vector<std::int64_t> ids(const std::vector<Request>& q, const Decision& d) {
    std::vector<std::int64_t> out;
    for (std::size_t i : d.take) out.push_back(q[i].id);
    return out;
}

BatchPolicySpec spec(const std::string& policy, int max_batch = 4) {
    BatchPolicySpec s;
    s.policy = policy;
    s.max_batch = max_batch;
    s.preferred_batch_sizes = {2, 4};
    s.max_queue_delay_us = 10000;  // 10 ms
    s.bucket_edges = {16, 64};
    s.clusters = 2;
    s.refit_every = 8;
    s.refit_window = 64;
    return s;
}

}  // namespace

TEST(BatchPolicy, FifoTakesFullBatchesOfTheOldestAndFlushesAtTheEnd) {
    auto p = make_policy(spec("fifo"));
    std::vector<Request> q{req(0, 10, 5, 0.0), req(1, 10, 50, 0.1), req(2, 10, 5, 0.2)};
    EXPECT_TRUE(p->next(q, 1.0, true).take.empty()) << "three of four: wait for a full batch";
    EXPECT_EQ(p->next(q, 1.0, false).take.size(), 3u) << "nothing more will come: what is there";
    q.push_back(req(3, 10, 5, 0.3));
    q.push_back(req(4, 10, 5, 0.4));
    EXPECT_EQ(ids(q, p->next(q, 1.0, true)), (std::vector<std::int64_t>{0, 1, 2, 3}));
}

TEST(BatchPolicy, MaxDelayWaitsForThePreferredSizeUntilTheDelay) {
    auto p = make_policy(spec("max-delay"));
    std::vector<Request> q{req(0, 10, 5, 1.000), req(1, 10, 5, 1.002), req(2, 10, 5, 1.004)};
    const Decision wait = p->next(q, 1.005, true);
    EXPECT_TRUE(wait.take.empty());
    EXPECT_DOUBLE_EQ(wait.wake_at_s, 1.010) << "the oldest request's arrival + 10 ms";
    // After the delay: the largest preferred size that is there (2 of the 3).
    EXPECT_EQ(ids(q, p->next(q, 1.011, true)), (std::vector<std::int64_t>{0, 1}));
    // The largest preferred size goes at once.
    q.push_back(req(3, 10, 5, 1.006));
    q.push_back(req(4, 10, 5, 1.007));
    EXPECT_EQ(ids(q, p->next(q, 1.007, true)), (std::vector<std::int64_t>{0, 1, 2, 3}));
}

TEST(BatchPolicy, BucketsBatchBySimilarOutputLength) {
    auto p = make_policy(spec("bucket"));
    // Outputs: short (<= 16), medium (<= 64), long. Before the oldest has waited 10 ms, the
    // first full bucket goes: four long ones, though a short request is older.
    std::vector<Request> q{req(0, 10, 8, 0.000),   req(1, 10, 200, 0.001), req(2, 10, 40, 0.002), req(3, 10, 150, 0.003),
                           req(4, 10, 100, 0.004), req(5, 10, 12, 0.005),  req(6, 10, 90, 0.006)};
    EXPECT_EQ(ids(q, p->next(q, 0.0065, true)), (std::vector<std::int64_t>{1, 3, 4, 6}));
    // Once it has, its bucket goes as it is: no request waits behind full buckets for ever.
    EXPECT_EQ(ids(q, p->next(q, 0.0101, true)), (std::vector<std::int64_t>{0, 5}));
    std::vector<Request> r{req(0, 10, 8, 0.0), req(2, 10, 40, 0.001), req(5, 10, 12, 0.002)};
    const Decision wait = p->next(r, 0.005, true);
    EXPECT_TRUE(wait.take.empty());
    EXPECT_DOUBLE_EQ(wait.wake_at_s, 0.010);
    EXPECT_EQ(ids(r, p->next(r, 0.005, false)), (std::vector<std::int64_t>{0, 5})) << "nothing more will come";
}

TEST(BatchPolicy, KMeansBatchesWithinClustersOfSimilarRequests) {
    BatchPolicySpec nearest = spec("kmeans");
    nearest.within = "nearest";
    auto p = make_policy(nearest);
    // Two kinds of traffic: short prompts with short answers, long prompts with long ones.
    std::mt19937_64 rng(3);
    std::vector<Request> q;
    for (int i = 0; i < 24; ++i) {
        const bool big = i % 3 == 0;
        Request r = req(i, big ? 200 + int(rng() % 40) : 10 + int(rng() % 5), big ? 180 + int(rng() % 50) : 6 + int(rng() % 4),
                        0.001 * i);
        p->on_arrival(r);
        q.push_back(r);
    }
    // The oldest request (0) has waited past the delay: its cluster goes, led by it.
    const Decision d = p->next(q, 0.03, true);
    ASSERT_EQ(d.take.size(), 4u);
    EXPECT_EQ(q[d.take[0]].id, 0);
    for (std::size_t i : d.take) EXPECT_GE(q[i].prompt_len, 200) << "one cluster per batch";
    // Within the cluster, the members closest to the oldest one.
    const Point anchor = request_features(q[0]);
    double farthest_taken = 0, nearest_left = 1e9;
    for (std::size_t i = 0; i < q.size(); ++i) {
        if (q[i].prompt_len < 200) continue;
        const Point f = request_features(q[i]);
        const double dist = std::hypot(f[0] - anchor[0], f[1] - anchor[1]);
        const bool taken = std::find(d.take.begin(), d.take.end(), i) != d.take.end();
        (taken ? farthest_taken : nearest_left) = taken ? std::max(farthest_taken, dist) : std::min(nearest_left, dist);
    }
    EXPECT_LE(farthest_taken, nearest_left * 1.5) << "roughly the nearest (distances are scaled per feature)";
    // Without the big ones, a batch holds only small ones.
    std::vector<Request> small;
    for (const Request& r : q)
        if (r.prompt_len < 100) small.push_back(r);
    const Decision s = p->next(small, 0.03, true);
    ASSERT_EQ(s.take.size(), 4u);
    for (std::size_t i : s.take) EXPECT_LT(small[i].max_new, 16);
}

// Within a cluster: the oldest members (arrival order, so a later request never passes an
// earlier one of its cluster) or the most alike to the oldest one.
TEST(BatchPolicy, KMeansTakesAClusterInArrivalOrderOrItsNearest) {
    std::vector<Request> q;
    for (int i = 0; i < 6; ++i) q.push_back(req(100 + i, 220, 200, 0.0001 * i));  // the other cluster
    q.push_back(req(0, 10, 6, 0.001));
    for (int i = 1; i <= 3; ++i) q.push_back(req(i, 14, 9, 0.001 + 0.0001 * i));  // alike, not equal
    for (int i = 4; i <= 6; ++i) q.push_back(req(i, 10, 6, 0.001 + 0.0001 * i));  // equal to 0, later
    std::sort(q.begin(), q.end(), [](const Request& a, const Request& b) { return a.arrival_s < b.arrival_s; });
    std::vector<Request> small;
    for (const Request& r : q)
        if (r.prompt_len < 100) small.push_back(r);
    for (const std::string within : {"arrival", "nearest"}) {
        SCOPED_TRACE(within);
        BatchPolicySpec s = spec("kmeans");
        s.within = within;
        auto p = make_policy(s);
        for (const Request& r : q) p->on_arrival(r);
        const Decision d = p->next(small, 0.05, true);
        std::vector<std::int64_t> got = ids(small, d);
        ASSERT_EQ(got.size(), 4u);
        EXPECT_EQ(got[0], 0) << "led by the oldest";
        std::sort(got.begin(), got.end());
        EXPECT_EQ(got, within == "arrival" ? (std::vector<std::int64_t>{0, 1, 2, 3}) : (std::vector<std::int64_t>{0, 4, 5, 6}));
    }
}

// A busy cluster's young requests wait until they have waited a share of the oldest one's
// wait; with no share they go with the first batch of their cluster.
TEST(BatchPolicy, KMeansTakesOnlyRequestsThatWaitedTheirShare) {
    std::vector<Request> q{req(0, 10, 6, 0.0)};
    for (int i = 1; i <= 5; ++i) q.push_back(req(100 + i, 220, 200, 0.1 * i));  // the other cluster
    q.push_back(req(4, 11, 6, 0.5));
    for (int i = 1; i <= 3; ++i) q.push_back(req(i, 10, 7, 0.9));
    for (const double share : {0.3, 0.0}) {
        SCOPED_TRACE(share);
        BatchPolicySpec s = spec("kmeans");
        s.min_wait_share = share;
        auto p = make_policy(s);
        for (const Request& r : q) p->on_arrival(r);
        // At 1 s the oldest has waited 1 s: with 0.3, only requests from before 0.7 s go.
        std::vector<std::int64_t> got = ids(q, p->next(q, 1.0, true));
        EXPECT_EQ(got, share > 0 ? (std::vector<std::int64_t>{0, 4}) : (std::vector<std::int64_t>{0, 4, 1, 2}));
    }
}

TEST(KMeans, ConvergesOnSeparableFeatures) {
    std::mt19937_64 rng(7);
    std::normal_distribution<double> noise(0.0, 0.1);
    const std::vector<Point> centers{{0, 0}, {5, 5}, {0, 6}};
    std::vector<Point> points;
    std::vector<int> truth;
    for (int i = 0; i < 300; ++i) {
        const int c = i % 3;
        points.push_back({centers[std::size_t(c)][0] + noise(rng), centers[std::size_t(c)][1] + noise(rng)});
        truth.push_back(c);
    }
    const KMeansResult fit = kmeans(points, 3, 11);
    ASSERT_EQ(fit.centroids.size(), 3u);
    EXPECT_LT(fit.iterations, 50) << "converged before the iteration cap";
    for (const Point& c : centers) {
        double best = 1e9;
        for (const Point& f : fit.centroids) best = std::min(best, std::hypot(f[0] - c[0], f[1] - c[1]));
        EXPECT_LT(best, 0.05);
    }
    // Every true group maps to exactly one label.
    for (int c = 0; c < 3; ++c) {
        const int label = fit.labels[std::size_t(c)];
        for (std::size_t i = 0; i < points.size(); ++i)
            if (truth[i] == c) EXPECT_EQ(fit.labels[i], label);
    }
    // Warm-started from its own centroids it stops at once.
    EXPECT_LE(kmeans(points, 3, 12, fit.centroids).iterations, 1);
}

TEST(ServingFigures, PercentilesInterpolateBetweenOrderStatistics) {
    const std::vector<double> v{5, 1, 4, 2, 3};
    EXPECT_DOUBLE_EQ(percentile(v, 50), 3.0);
    EXPECT_DOUBLE_EQ(percentile(v, 0), 1.0);
    EXPECT_DOUBLE_EQ(percentile(v, 100), 5.0);
    EXPECT_DOUBLE_EQ(percentile(v, 95), 4.8);
    EXPECT_DOUBLE_EQ(percentile(v, 99), 4.96);
    EXPECT_DOUBLE_EQ(percentile({7.0}, 95), 7.0);
    EXPECT_DOUBLE_EQ(percentile({}, 50), 0.0);
    std::vector<double> big;
    for (int i = 1; i <= 1000; ++i) big.push_back(i);
    EXPECT_NEAR(percentile(big, 99), 990.01, 1e-9);
}

TEST(ServingFigures, PaddingCountsTheSlotsAStaticBatchWastes) {
    // Prompts 4 and 2 run padded to 4; outputs 3 and 1: the prefill gives each row its first
    // byte, then 2 decode steps for both rows. Slots 2*4 + 2*2 = 12, useful (4+2) + (2+0) = 8.
    const SlotCount s = static_batch_slots({4, 2}, {3, 1});
    EXPECT_EQ(s.slots, 12);
    EXPECT_EQ(s.useful, 8);
    EXPECT_DOUBLE_EQ(s.padding(), 1.0 / 3.0);
    EXPECT_DOUBLE_EQ(static_batch_slots({7, 7, 7}, {5, 5, 5}).padding(), 0.0);
    // Half the rows idle for most of a long output: padding near one half.
    EXPECT_NEAR(static_batch_slots({8, 8}, {200, 1}).padding(), 0.48, 0.01);
}

TEST(ServingFigures, RetiringFinishedRowsAndGroupingPromptsLeaveOnlyTheRestOfThePadding) {
    // Retired: the row with one output byte leaves before the decode steps; prompts 2 and 4
    // in two prefills: 2 + 4 prompt slots, 2 decode slots, no padding at all.
    EXPECT_EQ(static_batch_slots({4, 2}, {3, 1}, 2, true).slots, 8);
    EXPECT_DOUBLE_EQ(static_batch_slots({4, 2}, {3, 1}, 2, true).padding(), 0.0);
    // One prefill, retired: the prompt padding (2 slots) remains.
    EXPECT_EQ(static_batch_slots({4, 2}, {3, 1}, 1, true).slots, 10);
    EXPECT_DOUBLE_EQ(static_batch_slots({8, 8}, {200, 1}, 1, true).padding(), 0.0);
}

TEST(ServingFigures, PrefillGroupsSplitWhereTheySaveTheMostSlots) {
    EXPECT_EQ(prefill_groups({8, 8, 8, 100, 100}, 2), (std::vector<int>{3, 2}));
    EXPECT_EQ(prefill_groups({8, 8, 8, 100, 100}, 1), (std::vector<int>{5}));
    EXPECT_EQ(prefill_groups({5, 5, 5}, 3), (std::vector<int>{3})) << "no group that saves nothing";
    EXPECT_EQ(prefill_groups({1, 2, 3, 4}, 9), (std::vector<int>{1, 1, 1, 1}));
    // 2x11 + 2x52 + 200 = 326 beats every other split into three.
    EXPECT_EQ(prefill_groups({10, 11, 50, 52, 200}, 3), (std::vector<int>{2, 2, 1}));
    EXPECT_TRUE(prefill_groups({}, 3).empty());
}

TEST(Router, FollowsItsRule) {
    RouterRule rule;
    rule.edge_max_prompt = 64;
    rule.edge_max_output = 32;
    EXPECT_EQ(route_request(rule, req(0, 64, 32, 0), 10, 50), Route::Edge);
    EXPECT_EQ(route_request(rule, req(0, 65, 32, 0), 10, 50), Route::Cloud);
    EXPECT_EQ(route_request(rule, req(0, 10, 33, 0), 10, 50), Route::Cloud);
    // A latency budget: the cloud would miss it and the edge would not.
    rule.latency_budget_ms = 40;
    EXPECT_EQ(route_request(rule, req(0, 200, 100, 0), 30, 50), Route::Edge);
    EXPECT_EQ(route_request(rule, req(0, 200, 100, 0), 45, 50), Route::Cloud) << "both miss it: the better model";
    EXPECT_EQ(route_request(rule, req(0, 200, 100, 0), 30, 39), Route::Cloud) << "the cloud makes it";
}

TEST(Workload, RepeatsBySeedAndFollowsItsDistributions) {
    WorkloadSpec w;
    w.requests = 4000;
    w.rate = 50;
    w.seed = 9;
    const auto a = make_requests(w, 100000, 576), b = make_requests(w, 100000, 576);
    ASSERT_EQ(a.size(), 4000u);
    for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].prompt_len, b[i].prompt_len);
        EXPECT_EQ(a[i].max_new, b[i].max_new);
        EXPECT_EQ(a[i].text_at, b[i].text_at);
        EXPECT_DOUBLE_EQ(a[i].arrival_s, b[i].arrival_s);
        EXPECT_LE(a[i].prompt_len + a[i].max_new, 576);
        EXPECT_LE(a[i].text_at + a[i].prompt_len + a[i].max_new, 100000);
    }
    // Poisson at 50/s: 4000 arrivals take about 80 s.
    EXPECT_NEAR(a.back().arrival_s, 80.0, 5.0);
    // Lognormal output lengths around their median of 20, with a long tail.
    std::vector<double> out;
    for (const auto& r : a) out.push_back(r.max_new);
    EXPECT_NEAR(percentile(out, 50), 20.0, 2.0);
    EXPECT_GT(percentile(out, 99), 5 * percentile(out, 50));
    w.seed = 10;
    EXPECT_NE(make_requests(w, 100000, 576)[0].text_at, a[0].text_at);
}

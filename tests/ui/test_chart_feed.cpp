// ChartFeed: collects the current run's samples handed over on another thread, keeps each
// series within its decimation bound, and follows a new run.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <thread>
#include <vector>

#include "common/time_units.h"
#include "charts/chartfeed.h"
#include "sparq/profiler/metric_bus.h"

using sparq::profiler::MetricBus;
using sparq::profiler::Sample;
using sparq::profiler::SeriesId;
using sparq::ui::ChartFeed;

namespace {

using sparq::test::kMs;

// What a chart would show: applies updates the way LivePage does.
struct Drawn {
    std::vector<std::vector<ChartFeed::Point>> series;
    sparq::profiler::RunId run = 0;
    int resets = 0;

    void apply(ChartFeed::Update u) {
        series.resize(u.series.size());
        run = u.run;
        for (std::size_t i = 0; i < u.series.size(); ++i) {
            if (u.series[i].reset) {
                series[i].clear();
                ++resets;
            }
            series[i].insert(series[i].end(), u.series[i].points.begin(), u.series[i].points.end());
        }
    }
};

Sample feedSample(std::uint32_t run, SeriesId series, std::int64_t i, double value) {
    Sample s;
    s.run = run;
    s.series = series;
    s.step = i;
    s.time_ns = 5000 * kMs + i * kMs;  // 1 ms apart, not starting at 0
    s.value = value;
    return s;
}

}  // namespace

TEST(ChartFeed, CollectsAndDecimatesSamplesFromAnotherThread) {
    MetricBus bus;
    constexpr std::size_t kCapacity = 2000;
    ChartFeed feed(bus, {"train/loss", "perf/samples_per_s"}, kCapacity);
    const SeriesId loss = bus.series().intern("train/loss");
    const SeriesId speed = bus.series().intern("perf/samples_per_s");
    const SeriesId other = bus.series().intern("other/series");
    feed.set_run(7);

    constexpr std::int64_t kLossSamples = 100000;
    constexpr std::int64_t kSpeedSamples = 1500;  // stays under the bound: kept whole
    std::atomic<bool> done{false};
    std::thread producer([&] {
        std::vector<Sample> batch;
        for (std::int64_t i = 0; i < kLossSamples; ++i) {
            batch.push_back(feedSample(7, loss, i, double(i)));
            if (i < kSpeedSamples) batch.push_back(feedSample(7, speed, i, 2.0 * double(i)));
            batch.push_back(feedSample(7, other, i, -1.0));       // not watched
            if (i % 10 == 0) batch.push_back(feedSample(3, loss, i, -1.0));  // older run
            if (batch.size() >= 256) {
                feed.on_samples(batch.data(), batch.size());
                batch.clear();
                std::this_thread::sleep_for(std::chrono::microseconds(20));  // let drains interleave
            }
        }
        feed.on_samples(batch.data(), batch.size());
        done = true;
    });

    Drawn drawn;
    std::size_t maxDrawn = 0;
    int drains = 0;
    while (!done) {  // drain concurrently, as the UI timer does
        drawn.apply(feed.take());
        ++drains;
        maxDrawn = std::max(maxDrawn, drawn.series[0].size());
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    producer.join();
    drawn.apply(feed.take());
    maxDrawn = std::max(maxDrawn, drawn.series[0].size());
    EXPECT_TRUE(feed.take().empty());

    EXPECT_EQ(drawn.run, 7);
    EXPECT_GT(drains, 5);

    // Series under the bound: every point, in order, x in seconds since the first sample.
    const auto& s = drawn.series[1];
    ASSERT_EQ(s.size(), std::size_t(kSpeedSamples));
    for (std::int64_t i = 0; i < kSpeedSamples; ++i) {
        EXPECT_DOUBLE_EQ(s[std::size_t(i)].y, 2.0 * double(i));
        EXPECT_NEAR(s[std::size_t(i)].x, double(i) * 1e-3, 1e-9);
    }

    // Decimated series: within the bound at every drain, at least half full, evenly spaced,
    // starting with the first sample, ending near the last.
    const auto& d = drawn.series[0];
    EXPECT_LE(maxDrawn, kCapacity);
    EXPECT_LE(d.size(), kCapacity);
    EXPECT_GE(d.size(), kCapacity / 2);
    ASSERT_GE(d.size(), 2u);
    EXPECT_EQ(d.front().y, 0.0);
    const double spacing = d[1].y - d[0].y;
    EXPECT_GT(spacing, 1.0);
    EXPECT_EQ(std::log2(spacing), std::floor(std::log2(spacing)));  // a power of two
    for (std::size_t i = 1; i < d.size(); ++i) {
        ASSERT_EQ(d[i].y - d[i - 1].y, spacing) << "at point " << i;
        ASSERT_GT(d[i].x, d[i - 1].x);
    }
    EXPECT_GT(d.back().y, double(kLossSamples) - spacing - 1.0);
}

TEST(ChartFeed, FollowsANewerRunAndIgnoresOlderOnes) {
    MetricBus bus;
    ChartFeed feed(bus, {"train/loss"}, 100);
    const SeriesId loss = bus.series().intern("train/loss");

    // No run chosen yet: the first run seen is followed.
    std::vector<Sample> a{feedSample(1, loss, 0, 1.0), feedSample(1, loss, 1, 2.0)};
    feed.on_samples(a.data(), a.size());
    Drawn drawn;
    drawn.apply(feed.take());
    EXPECT_EQ(drawn.run, 1);
    ASSERT_EQ(drawn.series[0].size(), 2u);

    // A newer run's samples (before its id reached the UI) switch the feed and reset.
    std::vector<Sample> b{feedSample(2, loss, 0, 10.0), feedSample(1, loss, 2, 3.0), feedSample(2, loss, 1, 11.0)};
    feed.on_samples(b.data(), b.size());
    const int resetsBefore = drawn.resets;
    drawn.apply(feed.take());
    EXPECT_EQ(drawn.run, 2);
    EXPECT_GT(drawn.resets, resetsBefore);
    ASSERT_EQ(drawn.series[0].size(), 2u);
    EXPECT_EQ(drawn.series[0][0].y, 10.0);
    EXPECT_EQ(drawn.series[0][1].y, 11.0);
    EXPECT_DOUBLE_EQ(drawn.series[0][1].x, 1e-3);

    feed.set_run(2);  // the same run: nothing is cleared
    EXPECT_TRUE(feed.take().empty());
    feed.set_run(9);  // another run: cleared
    drawn.apply(feed.take());
    EXPECT_EQ(drawn.run, 9);
    EXPECT_TRUE(drawn.series[0].empty());
}

TEST(ChartFeed, ReceivesSamplesThroughTheBus) {
    MetricBus bus;
    ChartFeed feed(bus, {"train/loss", "mem/rss_mb"});
    const SeriesId loss = bus.series().intern("train/loss");
    const SeriesId rss = bus.series().intern("mem/rss_mb");
    feed.set_run(4);
    std::thread producer([&] {
        auto p = bus.make_producer();
        for (int i = 0; i < 500; ++i) {
            p.publish(4, loss, i, 1.0 / (1 + i));
            if (i % 5 == 0) p.publish(4, rss, i, 100.0 + i);
        }
    });
    producer.join();
    bus.flush();
    Drawn drawn;
    drawn.apply(feed.take());
    EXPECT_EQ(drawn.series[0].size(), 500u);
    EXPECT_EQ(drawn.series[1].size(), 100u);
    EXPECT_DOUBLE_EQ(drawn.series[0][499].y, 1.0 / 500);
}

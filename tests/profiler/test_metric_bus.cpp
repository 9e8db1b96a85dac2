#include <gtest/gtest.h>

#include <mutex>
#include <thread>
#include <vector>

#include "sparq/profiler/metric_bus.h"

using namespace sparq::profiler;

namespace {

// Records every delivered sample; on_samples runs on the bus's consumer thread.
class Recorder : public MetricSubscriber {
public:
    void on_samples(const Sample* s, std::size_t n) override {
        std::lock_guard lock(mutex);
        samples.insert(samples.end(), s, s + n);
        ++batches;
    }
    std::mutex mutex;
    std::vector<Sample> samples;
    std::size_t batches = 0;
};

}  // namespace

TEST(MetricBus, DeliversEverySampleExactlyOnceUnderConcurrentProducers) {
    constexpr int kProducers = 4;
    constexpr std::int64_t kPerProducer = 200'000;
    // A small ring forces the producers through the full-ring (back-pressure) path.
    MetricBus bus(256);
    Recorder rec;
    bus.subscribe(&rec);
    std::vector<std::thread> threads;
    std::vector<std::uint64_t> stalls(kProducers);
    for (int p = 0; p < kProducers; ++p) {
        threads.emplace_back([&, p] {
            Producer out = bus.make_producer();
            for (std::int64_t i = 0; i < kPerProducer; ++i) {
                Sample s;
                s.run = 7;
                s.series = static_cast<SeriesId>(p + 1);
                s.step = i;
                s.value = double(i) * 0.5;
                out.publish(s);
            }
            stalls[p] = out.stalls();
        });
    }
    for (auto& t : threads) t.join();
    bus.flush();
    bus.unsubscribe(&rec);

    ASSERT_EQ(rec.samples.size(), std::size_t(kProducers * kPerProducer));
    EXPECT_EQ(bus.delivered(), std::uint64_t(kProducers * kPerProducer));
    // Per producer: every step exactly once, in publication order (one ring per producer).
    std::vector<std::int64_t> next(kProducers, 0);
    for (const Sample& s : rec.samples) {
        const int p = int(s.series) - 1;
        ASSERT_GE(p, 0);
        ASSERT_LT(p, kProducers);
        ASSERT_EQ(s.step, next[p]) << "producer " << p;
        ASSERT_EQ(s.value, double(s.step) * 0.5);
        ASSERT_EQ(s.run, 7u);
        ++next[p];
    }
    for (int p = 0; p < kProducers; ++p) EXPECT_EQ(next[p], kPerProducer);
    EXPECT_GT(rec.batches, 0u);
    EXPECT_LT(rec.batches, rec.samples.size()) << "the consumer drains in bulk";
}

TEST(MetricBus, FlushDeliversWhatWasPublishedBefore) {
    MetricBus bus;
    Recorder rec;
    bus.subscribe(&rec);
    Producer out = bus.make_producer();
    for (int round = 1; round <= 50; ++round) {
        out.publish(1, 2, round, 1.0);
        bus.flush();
        std::lock_guard lock(rec.mutex);
        ASSERT_EQ(rec.samples.size(), std::size_t(round));
    }
}

TEST(MetricBus, SamplesOfAFinishedProducerAreStillDelivered) {
    MetricBus bus(64);
    Recorder rec;
    bus.subscribe(&rec);
    {
        Producer out = bus.make_producer();
        for (int i = 0; i < 40; ++i) out.publish(1, 1, i, 0.0);
    }  // producer destroyed before the consumer necessarily drained it
    bus.flush();
    std::lock_guard lock(rec.mutex);
    EXPECT_EQ(rec.samples.size(), 40u);
}

TEST(SeriesRegistry, InternsNamesStably) {
    SeriesRegistry r;
    const SeriesId a = r.intern("train/loss");
    const SeriesId b = r.intern("test/accuracy");
    EXPECT_NE(a, 0u);
    EXPECT_NE(a, b);
    EXPECT_EQ(r.intern("train/loss"), a);
    EXPECT_EQ(r.name(b), "test/accuracy");
    EXPECT_EQ(r.name(999), "");
}

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "sparq/profiler/metric_bus.h"
#include "sparq/profiler/process_sampler.h"

using namespace sparq::profiler;

namespace {

struct Collect final : MetricSubscriber {
    std::mutex m;
    std::map<SeriesId, std::vector<double>> values;
    void on_samples(const Sample* s, std::size_t n) override {
        std::lock_guard lock(m);
        for (std::size_t i = 0; i < n; ++i)
            if (s[i].run == 7) values[s[i].series].push_back(s[i].value);
    }
};

}  // namespace

TEST(ProcessSampler, PublishesProcessCoreAndMemorySeries) {
    MetricBus bus;
    Collect c;
    bus.subscribe(&c);
    {
        ProcessSampler sampler(bus, 7, 50);
        const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(260);
        volatile double x = 0;
        while (std::chrono::steady_clock::now() < end) x = x + 1;  // keep one core busy
    }
    bus.flush();
    bus.unsubscribe(&c);
    const auto cpu = c.values[bus.series().intern("cpu/util")];
    const auto rss = c.values[bus.series().intern("mem/rss_mb")];
    const auto core0 = c.values[bus.series().intern("cpu/core0/util")];
    ASSERT_GE(cpu.size(), 4u);  // 5 periods of 50 ms, the last one partial
    EXPECT_GT(cpu[1], 0.5) << "one core busy spinning";
    EXPECT_LT(cpu[1], 2.5);
    ASSERT_FALSE(rss.empty());
    EXPECT_GT(rss[0], 1.0);
    ASSERT_FALSE(core0.empty());
    for (double v : core0) {
        EXPECT_GE(v, 0.0);
        EXPECT_LE(v, 1.0);
    }
    const auto cores = read_core_times();
    ASSERT_FALSE(cores.empty());
    EXPECT_GE(cores[0].total, cores[0].busy);
}

TEST(ProcessSampler, AShortLifeStillGetsOneSample) {
    MetricBus bus;
    Collect c;
    bus.subscribe(&c);
    {
        ProcessSampler sampler(bus, 7, 1000);
        std::this_thread::sleep_for(std::chrono::milliseconds(60));
    }
    bus.flush();
    bus.unsubscribe(&c);
    EXPECT_EQ(c.values[bus.series().intern("cpu/util")].size(), 1u);
}

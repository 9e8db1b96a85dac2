// CUPTI reports exactly the kernels of a known launch sequence: kernel A three times, kernel B
// twice, nothing else; and the window series reach the bus. Needs a CUDA GPU (label "gpu").
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "cupti_probe_kernels.cuh"
#include "sparq/profiler/gpu_collectors.h"

using namespace sparq::profiler;

namespace {

class Recorder : public MetricSubscriber {
public:
    void on_samples(const Sample* s, std::size_t n) override {
        std::lock_guard lock(mutex);
        samples.insert(samples.end(), s, s + n);
    }
    std::vector<double> values(SeriesId id) {
        std::lock_guard lock(mutex);
        std::vector<double> v;
        for (const Sample& s : samples)
            if (s.series == id) v.push_back(s.value);
        return v;
    }
    std::mutex mutex;
    std::vector<Sample> samples;
};

#define SKIP_WITHOUT_CUDA_DEVICE()                                                              \
    do {                                                                                        \
        int count_ = 0;                                                                         \
        const cudaError_t rc_ = cudaGetDeviceCount(&count_);                                    \
        if (rc_ != cudaSuccess || count_ == 0)                                                  \
            GTEST_SKIP() << "needs a CUDA GPU: "                                                \
                         << (rc_ != cudaSuccess ? cudaGetErrorString(rc_) : "no device found"); \
    } while (0)

const KernelStats* find(const std::vector<KernelStats>& table, const char* part) {
    for (const KernelStats& k : table)
        if (k.name.find(part) != std::string::npos) return &k;
    return nullptr;
}

std::string names(const std::vector<KernelStats>& table) {
    std::string s;
    for (const KernelStats& k : table) s += "\n  " + k.name + " x" + std::to_string(k.calls);
    return s;
}

}  // namespace

TEST(CuptiCollector, ReportsExactlyTheKernelsOfAKnownLaunchSequence) {
    SKIP_WITHOUT_CUDA_DEVICE();
    ASSERT_TRUE(cupti_built());
    constexpr int n = 1 << 20;
    // The context and the buffer exist before tracing starts, so only the five launches show.
    float* data = nullptr;
    ASSERT_EQ(cudaMalloc(&data, n * sizeof(float)), cudaSuccess);
    ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);

    MetricBus bus;
    Recorder rec;
    bus.subscribe(&rec);
    constexpr int kPeriodMs = 20;
    std::string why;
    auto collector = CuptiCollector::start(bus, 5, kPeriodMs, &why);
    ASSERT_NE(collector, nullptr) << why;

    // One client per process: a second collector refuses while this one runs.
    std::string second_why;
    EXPECT_EQ(CuptiCollector::start(bus, 5, kPeriodMs, &second_why), nullptr);
    EXPECT_NE(second_why.find("already running"), std::string::npos) << second_why;

    for (int i = 0; i < 3; ++i) sparq::test::launch_probe_add_one(data, n);
    for (int i = 0; i < 2; ++i) sparq::test::launch_probe_scale(data, n, 0.5f);
    ASSERT_EQ(cudaGetLastError(), cudaSuccess);
    ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
    // Let the windows holding the launches close, so the flush publishes them.
    std::this_thread::sleep_for(std::chrono::milliseconds(5 * kPeriodMs));
    collector->flush();

    const std::vector<KernelStats> table = collector->kernels();
    ASSERT_EQ(table.size(), 2u) << names(table);
    const KernelStats* a = find(table, "sparq_probe_add_one");
    const KernelStats* b = find(table, "sparq_probe_scale");
    ASSERT_NE(a, nullptr) << names(table);
    ASSERT_NE(b, nullptr) << names(table);
    EXPECT_EQ(a->calls, 3);
    EXPECT_EQ(b->calls, 2);
    EXPECT_GT(a->total_ns, 0);
    EXPECT_GT(b->total_ns, 0);
    EXPECT_GT(a->mean_ns, 0.0);
    EXPECT_GT(b->mean_ns, 0.0);
    EXPECT_EQ(collector->dropped_records(), 0u);

    bus.flush();
    const std::vector<double> busy = rec.values(bus.series().intern("gpu/busy"));
    ASSERT_FALSE(busy.empty()) << "no gpu/busy sample published";
    for (double v : busy) {
        EXPECT_GE(v, 0.0);
        EXPECT_LE(v, 1.0);
    }
    EXPECT_GT(*std::max_element(busy.begin(), busy.end()), 0.0) << "the launches fell in no published window";
    EXPECT_FALSE(rec.values(bus.series().intern("cupti/dropped_records")).empty());

    collector.reset();
    bus.unsubscribe(&rec);
    EXPECT_EQ(cudaFree(data), cudaSuccess);
}

TEST(CuptiCollector, StartsAgainAfterTheFirstOneStops) {
    SKIP_WITHOUT_CUDA_DEVICE();
    MetricBus bus;
    std::string why;
    auto first = CuptiCollector::start(bus, 1, 20, &why);
    ASSERT_NE(first, nullptr) << why;
    first.reset();
    auto second = CuptiCollector::start(bus, 2, 20, &why);
    ASSERT_NE(second, nullptr) << why;
    float* data = nullptr;
    ASSERT_EQ(cudaMalloc(&data, 1024 * sizeof(float)), cudaSuccess);
    sparq::test::launch_probe_add_one(data, 1024);
    ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
    second->flush();
    const auto table = second->kernels();
    const KernelStats* a = find(table, "sparq_probe_add_one");
    ASSERT_NE(a, nullptr) << names(table);
    EXPECT_EQ(a->calls, 1);
    EXPECT_EQ(cudaFree(data), cudaSuccess);
}

// The GPU collectors on any machine: without the NVIDIA driver they refuse with a reason that
// names what is missing; with it, NVML samples reach the bus within a second.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "sparq/profiler/gpu_collectors.h"

using namespace sparq::profiler;

namespace {

class Recorder : public MetricSubscriber {
public:
    void on_samples(const Sample* s, std::size_t n) override {
        std::lock_guard lock(mutex);
        samples.insert(samples.end(), s, s + n);
    }
    std::size_t count(SeriesId id) {
        std::lock_guard lock(mutex);
        std::size_t c = 0;
        for (const Sample& s : samples) c += s.series == id;
        return c;
    }
    std::vector<Sample> of(SeriesId id) {
        std::lock_guard lock(mutex);
        std::vector<Sample> out;
        for (const Sample& s : samples)
            if (s.series == id) out.push_back(s);
        return out;
    }
    std::mutex mutex;
    std::vector<Sample> samples;
};

bool nvml_loadable() {
    void* lib = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) lib = dlopen("libnvidia-ml.so", RTLD_NOW | RTLD_LOCAL);
    if (lib) dlclose(lib);
    return lib != nullptr;
}

}  // namespace

TEST(NvmlSampler, WithoutTheDriverRefusesAndNamesTheLibrary) {
    if (nvml_loadable()) GTEST_SKIP() << "libnvidia-ml loads here; the GPU-machine test covers this machine";
    MetricBus bus;
    std::string why;
    auto s = NvmlSampler::start(bus, 1, 0, 100, &why);
    EXPECT_EQ(s, nullptr);
    EXPECT_NE(why.find("libnvidia-ml.so.1"), std::string::npos) << why;
    EXPECT_NE(why.find("no NVIDIA driver"), std::string::npos) << why;
    // A caller that does not want the reason may pass none.
    EXPECT_EQ(NvmlSampler::start(bus, 1, 0, 100, nullptr), nullptr);
}

TEST(NvmlSampler, WithTheDriverPublishesUtilizationWithinASecond) {
    if (!nvml_loadable()) GTEST_SKIP() << "no libnvidia-ml (no NVIDIA driver) on this machine";
    MetricBus bus;
    Recorder rec;
    bus.subscribe(&rec);
    std::string why;
    auto s = NvmlSampler::start(bus, 3, 0, 100, &why);
    ASSERT_NE(s, nullptr) << why;
    EXPECT_FALSE(s->device_name().empty());
    const SeriesId util = bus.series().intern("nvml/gpu_util");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    while (rec.count(util) == 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        bus.flush();
    }
    s.reset();
    bus.flush();
    bus.unsubscribe(&rec);
    const auto samples = rec.of(util);
    ASSERT_FALSE(samples.empty()) << "no nvml/gpu_util sample within a second";
    for (const Sample& x : samples) {
        EXPECT_EQ(x.run, 3u);
        EXPECT_GE(x.value, 0.0);
        EXPECT_LE(x.value, 1.0);  // a fraction, not a percentage
    }
}

TEST(NvmlSampler, WithTheDriverRefusesAMissingDevice) {
    if (!nvml_loadable()) GTEST_SKIP() << "no libnvidia-ml (no NVIDIA driver) on this machine";
    MetricBus bus;
    std::string why;
    EXPECT_EQ(NvmlSampler::start(bus, 1, 4096, 100, &why), nullptr);
    EXPECT_NE(why.find("4096"), std::string::npos) << why;
}

// CUPTI, on a machine where it cannot run, refuses with a reason instead of failing later.
TEST(CuptiCollector, RefusesWithAReasonWhereItCannotRun) {
    MetricBus bus;
    std::string why;
    auto c = CuptiCollector::start(bus, 1, 100, &why);
    if (!cupti_built()) {
        EXPECT_EQ(c, nullptr);
        EXPECT_EQ(why, "this Sparq was built without the CUDA toolkit, so CUPTI is not available");
        return;
    }
    if (c) GTEST_SKIP() << "CUPTI runs here; the gpu-labelled test covers it";
    EXPECT_FALSE(why.empty());
    if (void* cuda = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL)) {
        dlclose(cuda);
    } else {
        EXPECT_NE(why.find("libcuda.so.1"), std::string::npos) << why;
        EXPECT_NE(why.find("no NVIDIA driver"), std::string::npos) << why;
    }
}

#pragma once
// ProcessSampler: samples this process's CPU utilization and resident memory on its own
// thread (about 10 Hz) and publishes them on the metric bus as `cpu/util` (fraction of one
// core, so 2.0 = two cores busy) and `mem/rss_mb`.
#include <atomic>
#include <cstdint>
#include <thread>

#include "sparq/profiler/metric_bus.h"

namespace sparq::profiler {

struct ProcessStats {
    double cpu_seconds = 0.0;  // user + system time of the process so far
    double rss_mb = 0.0;       // resident set size now
    double peak_rss_mb = 0.0;  // high-water mark of the resident set
};

/// Reads /proc/self (Linux); fields stay 0 where unavailable.
ProcessStats read_process_stats();

class ProcessSampler {
public:
    ProcessSampler(MetricBus& bus, RunId run, int period_ms = 100);
    ~ProcessSampler();  // stops the thread
    ProcessSampler(const ProcessSampler&) = delete;
    ProcessSampler& operator=(const ProcessSampler&) = delete;

private:
    void loop();
    MetricBus& bus_;
    RunId run_;
    int period_ms_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace sparq::profiler

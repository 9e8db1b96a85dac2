#pragma once
// ProcessSampler: samples this process's CPU utilization and resident memory on its own
// thread (about 10 Hz) and publishes them on the metric bus as `cpu/util` (fraction of one
// core, so 2.0 = two cores busy), `mem/rss_mb`, and each core's busy share (any process)
// as `cpu/core<i>/util`.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <cstdint>
#include <thread>
#include <vector>

#include "sparq/profiler/metric_bus.h"

namespace sparq::profiler {

struct ProcessStats {
    double cpu_seconds = 0.0;  // user + system time of the process so far
    double rss_mb = 0.0;       // resident set size now
    double peak_rss_mb = 0.0;  // high-water mark of the resident set
};

/// Reads /proc/self (Linux); fields stay 0 where unavailable.
ProcessStats read_process_stats();

/// Cumulative clock ticks of one core (/proc/stat): busy (user, nice, system, irq,
/// softirq, steal) and total (busy + idle + iowait).
struct CoreTimes {
    unsigned long long busy = 0, total = 0;
};
/// One entry per core of the machine; empty where /proc/stat is unreadable.
std::vector<CoreTimes> read_core_times();

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
    std::mutex mutex_;
    std::condition_variable wake_;
    std::thread thread_;
};

}  // namespace sparq::profiler

#include "sparq/profiler/process_sampler.h"

#include <time.h>

#include <chrono>
#include <cstdio>

#include "sparq/profiler/sample.h"

namespace sparq::profiler {

ProcessStats read_process_stats() {
    ProcessStats st;
    // Process CPU time (all threads) with nanosecond resolution, unlike /proc's clock ticks.
    timespec ts{};
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == 0)
        st.cpu_seconds = double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
    if (FILE* f = std::fopen("/proc/self/status", "r")) {
        char line[256];
        while (std::fgets(line, sizeof line, f)) {
            long kb = 0;
            if (std::sscanf(line, "VmRSS: %ld kB", &kb) == 1) st.rss_mb = double(kb) / 1024.0;
            if (std::sscanf(line, "VmHWM: %ld kB", &kb) == 1) st.peak_rss_mb = double(kb) / 1024.0;
        }
        std::fclose(f);
    }
    return st;
}

ProcessSampler::ProcessSampler(MetricBus& bus, RunId run, int period_ms)
    : bus_(bus), run_(run), period_ms_(period_ms), thread_([this] { loop(); }) {}

ProcessSampler::~ProcessSampler() {
    stop_.store(true);
    thread_.join();
}

void ProcessSampler::loop() {
    Producer out = bus_.make_producer();
    const SeriesId cpu = bus_.series().intern("cpu/util");
    const SeriesId rss = bus_.series().intern("mem/rss_mb");
    ProcessStats prev = read_process_stats();
    std::int64_t prev_t = now_ns();
    std::int64_t step = 0;
    while (!stop_.load()) {
        // Sleep in small slices so that stopping is quick.
        for (int slept = 0; slept < period_ms_ && !stop_.load(); slept += 10)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        const ProcessStats cur = read_process_stats();
        const std::int64_t t = now_ns();
        const double dt = double(t - prev_t) / 1e9;
        if (dt > 0) {
            out.publish(run_, cpu, step, (cur.cpu_seconds - prev.cpu_seconds) / dt);
            out.publish(run_, rss, step, cur.rss_mb);
            ++step;
        }
        prev = cur;
        prev_t = t;
    }
}

}  // namespace sparq::profiler

#include "sparq/profiler/process_sampler.h"

#include <time.h>

#include <chrono>
#include <cctype>
#include <cstdio>
#include <cstring>

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

std::vector<CoreTimes> read_core_times() {
    std::vector<CoreTimes> out;
    FILE* f = std::fopen("/proc/stat", "r");
    if (!f) return out;
    char line[512];
    while (std::fgets(line, sizeof line, f)) {
        unsigned core = 0;
        unsigned long long user = 0, nice = 0, sys = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
        // "cpu0 ..." lines only; the first "cpu " line is the machine's total (and %u would
        // skip the blanks and read its first count as a core number).
        if (std::strncmp(line, "cpu", 3) != 0 || !std::isdigit(static_cast<unsigned char>(line[3]))) continue;
        if (std::sscanf(line, "cpu%u %llu %llu %llu %llu %llu %llu %llu %llu", &core, &user, &nice, &sys, &idle,
                        &iowait, &irq, &softirq, &steal) == 9) {
            if (out.size() <= core) out.resize(core + 1);
            out[core].busy = user + nice + sys + irq + softirq + steal;
            out[core].total = out[core].busy + idle + iowait;
        }
    }
    std::fclose(f);
    return out;
}

ProcessSampler::ProcessSampler(MetricBus& bus, RunId run, int period_ms)
    : bus_(bus), run_(run), period_ms_(period_ms), thread_([this] { loop(); }) {}

ProcessSampler::~ProcessSampler() {
    {
        std::lock_guard lock(mutex_);
        stop_.store(true);
    }
    wake_.notify_all();
    thread_.join();
}

void ProcessSampler::loop() {
    Producer out = bus_.make_producer();
    const SeriesId cpu = bus_.series().intern("cpu/util");
    const SeriesId rss = bus_.series().intern("mem/rss_mb");
    std::vector<CoreTimes> prev_cores = read_core_times();
    std::vector<SeriesId> core_ids;
    for (std::size_t c = 0; c < prev_cores.size(); ++c)
        core_ids.push_back(bus_.series().intern("cpu/core" + std::to_string(c) + "/util"));
    ProcessStats prev = read_process_stats();
    std::int64_t prev_t = now_ns();
    std::int64_t step = 0;
    for (;;) {
        {
            // One wake-up per period (a training job's threads are not disturbed more often),
            // and at once when stopping.
            std::unique_lock lock(mutex_);
            wake_.wait_for(lock, std::chrono::milliseconds(period_ms_), [&] { return stop_.load(); });
        }
        const bool stopping = stop_.load();
        const ProcessStats cur = read_process_stats();
        const std::int64_t t = now_ns();
        const double dt = double(t - prev_t) / 1e9;
        // When stopping, the partial period still gets its sample (a short job has one).
        if (dt > 0.01) {
            out.publish(run_, cpu, step, (cur.cpu_seconds - prev.cpu_seconds) / dt);
            out.publish(run_, rss, step, cur.rss_mb);
            // Each core's busy share over the period, whoever kept it busy.
            const std::vector<CoreTimes> cores = read_core_times();
            for (std::size_t c = 0; c < cores.size() && c < prev_cores.size(); ++c) {
                const auto total = cores[c].total - prev_cores[c].total;
                if (total > 0)
                    out.publish(run_, core_ids[c], step, double(cores[c].busy - prev_cores[c].busy) / double(total));
            }
            prev_cores = cores;
            ++step;
        }
        if (stopping) break;
        prev = cur;
        prev_t = t;
    }
}

}  // namespace sparq::profiler

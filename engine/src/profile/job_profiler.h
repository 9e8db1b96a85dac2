#pragma once
// JobProfiler: everything the profiler runs beside one job, started when the job starts and
// stopped when it ends. CPU collectors always (process and per-core utilization, memory,
// per-operator times); CUPTI and NVML for a job that runs on a GPU; the default alert rules
// (the GPU's only there). What cannot run is said once, in a status line (log and run event),
// and the job goes on without it.
#include <memory>
#include <string>
#include <thread>
#include <vector>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "profile/op_profiler.h"
#include "sparq/engine/device.h"
#include "sparq/engine/engine.h"
#include "sparq/engine/job.h"
#include "sparq/profiler/metric_bus.h"

namespace sparq::profiler {
class AlertMonitor;
class CuptiCollector;
class NvmlSampler;
class ProcessSampler;
class RunStore;
}  // namespace sparq::profiler

namespace sparq::engine::profile {

class JobProfiler {
public:
    /// `config_json` is the run's configuration: a gated model's active_fraction and
    /// active_band set the activation-rate alert's band. `device`: where the job runs.
    JobProfiler(profiler::MetricBus& bus, profiler::RunStore* store, profiler::RunId run,
                const ProfileOptions& options, const std::string& config_json, JobSink& sink,
                const Device& device);
    ~JobProfiler();  // delivers pending samples to the alerts, stops every collector
    JobProfiler(const JobProfiler&) = delete;
    JobProfiler& operator=(const JobProfiler&) = delete;

    /// "CPU: process, cores, memory, ops · GPU: none (no CUDA device)", as logged.
    const std::string& status() const { return status_; }
    /// Operator totals since the job started, most self time first: those observed during
    /// the recording windows (see ProfileOptions::ops_window and coverage()).
    std::vector<OpStats> ops() const;
    /// Share of the job's time so far during which operators were recorded, as measured.
    double ops_coverage() const;

private:
    void publish_ops_loop();

    profiler::MetricBus& bus_;
    profiler::RunStore* store_;
    profiler::RunId run_;
    ProfileOptions options_;
    std::string status_;
    std::unique_ptr<profiler::ProcessSampler> process_;
    std::unique_ptr<OpProfilerScope> ops_scope_;
    std::vector<OpStats> ops_at_start_;
    std::unique_ptr<profiler::NvmlSampler> nvml_;
    std::unique_ptr<profiler::CuptiCollector> cupti_;
    std::unique_ptr<profiler::AlertMonitor> alerts_;
    std::atomic<bool> stop_{false};
    std::mutex mutex_;
    std::condition_variable wake_;
    std::thread ops_thread_;
    std::chrono::steady_clock::time_point started_;
    std::atomic<std::int64_t> ops_recorded_ns_{0};  // time with the op callbacks installed
};

}  // namespace sparq::engine::profile

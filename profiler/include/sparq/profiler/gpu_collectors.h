#pragma once
// The GPU side of the profiler. Both collectors run on threads of their own and publish on
// the metric bus; both refuse to start with a message (`why`) that names the cause and the
// fix, and the job then runs unprofiled on that side.
//
// NvmlSampler loads libnvidia-ml.so.1 with dlopen at run time, so a machine without the
// NVIDIA driver still starts. About 10 samples a second of
//   nvml/gpu_util (fraction), nvml/mem_used_mb, nvml/power_w, nvml/sm_clock_mhz.
//
// CuptiCollector (built when the CUDA toolkit is found; elsewhere start() says so) uses the
// CUPTI Activity API: concurrent kernels, memcpy, memset and CUPTI's overhead records, in
// buffers handed over by CUPTI's callbacks and parsed on a flush thread of its own. Per
// window (period_ms) it publishes
//   gpu/busy, gpu/sm_efficiency, gpu/occupancy, gpu/memcpy_gbps (see gpu_activity.h),
//   cupti/dropped_records (cumulative), cupti/overhead_ms (cumulative)
// and keeps a per-kernel table.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sparq/profiler/gpu_activity.h"
#include "sparq/profiler/metric_bus.h"

namespace sparq::profiler {

class NvmlSampler {
public:
    /// Null with `why` set when NVML is missing or has no such device.
    static std::unique_ptr<NvmlSampler> start(MetricBus& bus, RunId run, int device, int period_ms,
                                              std::string* why);
    ~NvmlSampler();  // stops the thread, shuts NVML down
    NvmlSampler(const NvmlSampler&) = delete;
    NvmlSampler& operator=(const NvmlSampler&) = delete;
    const std::string& device_name() const;

private:
    NvmlSampler();
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

class CuptiCollector {
public:
    /// Null with `why` set when CUPTI is unavailable or refuses (insufficient privileges,
    /// another profiler attached, a driver too old); the message says what to do.
    static std::unique_ptr<CuptiCollector> start(MetricBus& bus, RunId run, int period_ms, std::string* why);
    ~CuptiCollector();  // flushes, disables the activity kinds, stops the thread
    CuptiCollector(const CuptiCollector&) = delete;
    CuptiCollector& operator=(const CuptiCollector&) = delete;

    /// Makes CUPTI hand over every completed record and processes it now.
    void flush();
    /// Per-kernel totals since start, most time first.
    std::vector<KernelStats> kernels() const;
    std::uint64_t dropped_records() const;

private:
    CuptiCollector();
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Whether this build has the CUPTI collector.
bool cupti_built();

}  // namespace sparq::profiler

#pragma once
// What the GPU did, from activity records (CUPTI's, or constructed ones in tests): busy
// fraction, estimated SM efficiency and occupancy, memcpy bandwidth per time window, and a
// per-kernel table. Pure functions: the CUPTI collector feeds them, tests check them by hand.
#include <cstdint>
#include <string>
#include <vector>

namespace sparq::profiler {

struct KernelRecord {
    std::string name;
    std::int64_t start_ns = 0, end_ns = 0;
    std::int64_t grid_blocks = 1;      // gridX * gridY * gridZ
    std::int32_t block_threads = 1;    // blockX * blockY * blockZ
    std::int32_t registers_per_thread = 0;
    std::int32_t shared_bytes = 0;     // static + dynamic per block
};

struct MemcpyRecord {
    std::int64_t start_ns = 0, end_ns = 0;
    std::int64_t bytes = 0;
};

/// The limits occupancy depends on (cudaDeviceProp's fields of the same meaning).
struct DeviceLimits {
    int sm_count = 1;
    int max_threads_per_sm = 2048;
    int max_blocks_per_sm = 32;
    int registers_per_sm = 65536;
    int shared_bytes_per_sm = 228 * 1024;
    int warp_size = 32;
};

struct WindowMetrics {
    double busy_fraction = 0;       // time with at least one kernel running / window
    double sm_efficiency = 0;       // sum over kernels of min(1, blocks / SMs) * time, / kernel time
    double occupancy = 0;           // estimated active warps per SM / max warps per SM,
                                    // kernel-time weighted
    double memcpy_gb_per_s = 0;     // bytes copied in the window (overlap-prorated) / window
    std::int64_t kernels = 0;       // kernels overlapping the window
};

/// Estimated occupancy of one kernel: resident blocks per SM (limited by threads,
/// registers, shared memory, the block limit, and the blocks there are) times warps per
/// block, over the SM's warp slots.
double kernel_occupancy(const KernelRecord& k, const DeviceLimits& d);

/// Metrics of the window [t0_ns, t1_ns); records are clipped to it.
WindowMetrics window_metrics(const std::vector<KernelRecord>& kernels,
                             const std::vector<MemcpyRecord>& memcpys, const DeviceLimits& device,
                             std::int64_t t0_ns, std::int64_t t1_ns);

struct KernelStats {
    std::string name;
    std::int64_t calls = 0;
    std::int64_t total_ns = 0;
    double mean_ns = 0;
};
/// Per-kernel totals, most total time first (ties by name).
std::vector<KernelStats> kernel_table(const std::vector<KernelRecord>& kernels);

}  // namespace sparq::profiler

#include "sparq/profiler/gpu_activity.h"

#include <algorithm>
#include <unordered_map>

namespace sparq::profiler {

double kernel_occupancy(const KernelRecord& k, const DeviceLimits& d) {
    const int threads = std::max(1, k.block_threads);
    const int warps_per_block = (threads + d.warp_size - 1) / d.warp_size;
    const int max_warps = std::max(1, d.max_threads_per_sm / d.warp_size);
    std::int64_t blocks = d.max_blocks_per_sm;
    blocks = std::min<std::int64_t>(blocks, max_warps / warps_per_block);
    if (k.registers_per_thread > 0)
        blocks = std::min<std::int64_t>(
            blocks, d.registers_per_sm / (std::int64_t(k.registers_per_thread) * warps_per_block * d.warp_size));
    if (k.shared_bytes > 0) blocks = std::min<std::int64_t>(blocks, d.shared_bytes_per_sm / k.shared_bytes);
    // A small grid cannot fill the slots: its blocks spread over the SMs.
    const std::int64_t per_sm = (k.grid_blocks + d.sm_count - 1) / d.sm_count;
    blocks = std::min(blocks, per_sm);
    return std::clamp(double(blocks * warps_per_block) / double(max_warps), 0.0, 1.0);
}

WindowMetrics window_metrics(const std::vector<KernelRecord>& kernels, const std::vector<MemcpyRecord>& memcpys,
                             const DeviceLimits& device, std::int64_t t0, std::int64_t t1) {
    WindowMetrics m;
    if (t1 <= t0) return m;
    std::vector<std::pair<std::int64_t, std::int64_t>> spans;
    double kernel_time = 0, sm_weighted = 0, occ_weighted = 0;
    for (const auto& k : kernels) {
        const std::int64_t a = std::max(k.start_ns, t0), b = std::min(k.end_ns, t1);
        if (b <= a) continue;
        ++m.kernels;
        spans.emplace_back(a, b);
        const double dt = double(b - a);
        kernel_time += dt;
        sm_weighted += std::min(1.0, double(k.grid_blocks) / double(std::max(1, device.sm_count))) * dt;
        occ_weighted += kernel_occupancy(k, device) * dt;
    }
    // Busy time: the union of the (possibly concurrent) kernel spans.
    std::sort(spans.begin(), spans.end());
    std::int64_t busy = 0, cur_a = 0, cur_b = 0;
    bool open = false;
    for (const auto& [a, b] : spans) {
        if (open && a <= cur_b) {
            cur_b = std::max(cur_b, b);
            continue;
        }
        if (open) busy += cur_b - cur_a;
        cur_a = a;
        cur_b = b;
        open = true;
    }
    if (open) busy += cur_b - cur_a;
    const double window = double(t1 - t0);
    m.busy_fraction = double(busy) / window;
    if (kernel_time > 0) {
        m.sm_efficiency = sm_weighted / kernel_time;
        m.occupancy = occ_weighted / kernel_time;
    }
    double bytes = 0;
    for (const auto& c : memcpys) {
        const std::int64_t a = std::max(c.start_ns, t0), b = std::min(c.end_ns, t1);
        if (c.end_ns <= c.start_ns) {  // instantaneous record: counts where it starts
            if (c.start_ns >= t0 && c.start_ns < t1) bytes += double(c.bytes);
            continue;
        }
        if (b <= a) continue;
        bytes += double(c.bytes) * double(b - a) / double(c.end_ns - c.start_ns);
    }
    m.memcpy_gb_per_s = bytes / window;  // bytes per ns == GB per s
    return m;
}

std::vector<KernelStats> kernel_table(const std::vector<KernelRecord>& kernels) {
    std::unordered_map<std::string, KernelStats> by_name;
    for (const auto& k : kernels) {
        KernelStats& s = by_name[k.name];
        s.name = k.name;
        ++s.calls;
        s.total_ns += k.end_ns - k.start_ns;
    }
    std::vector<KernelStats> out;
    out.reserve(by_name.size());
    for (auto& [name, s] : by_name) {
        s.mean_ns = double(s.total_ns) / double(s.calls);
        out.push_back(std::move(s));
    }
    std::sort(out.begin(), out.end(), [](const KernelStats& a, const KernelStats& b) {
        return a.total_ns != b.total_ns ? a.total_ns > b.total_ns : a.name < b.name;
    });
    return out;
}

}  // namespace sparq::profiler

// Derived GPU metrics from constructed activity records, against hand computation.
#include <gtest/gtest.h>

#include "sparq/profiler/gpu_activity.h"

using namespace sparq::profiler;

namespace {

KernelRecord kernel(const char* name, std::int64_t a, std::int64_t b, std::int64_t blocks, int threads = 256,
                    int regs = 32, int smem = 0) {
    KernelRecord k;
    k.name = name;
    k.start_ns = a;
    k.end_ns = b;
    k.grid_blocks = blocks;
    k.block_threads = threads;
    k.registers_per_thread = regs;
    k.shared_bytes = smem;
    return k;
}

DeviceLimits device() {
    DeviceLimits d;  // a small GPU, numbers easy to follow by hand
    d.sm_count = 10;
    d.max_threads_per_sm = 2048;  // 64 warps
    d.max_blocks_per_sm = 16;
    d.registers_per_sm = 65536;
    d.shared_bytes_per_sm = 100 * 1024;
    return d;
}

}  // namespace

TEST(GpuActivity, BusyFractionIsTheUnionOfKernelTime) {
    // Window [0, 1000). Kernels [100,300) and [200,400) overlap -> union [100,400) = 300;
    // [600,700) = 100; [950,1200) clipped to [950,1000) = 50. Busy = 450 / 1000.
    const std::vector<KernelRecord> ks{kernel("a", 100, 300, 10), kernel("b", 200, 400, 10),
                                       kernel("c", 600, 700, 10), kernel("d", 950, 1200, 10),
                                       kernel("outside", 1000, 1100, 10)};
    const auto m = window_metrics(ks, {}, device(), 0, 1000);
    EXPECT_DOUBLE_EQ(m.busy_fraction, 0.45);
    EXPECT_EQ(m.kernels, 4);
}

TEST(GpuActivity, SmEfficiencyIsBlocksOverSmsWeightedByTime) {
    // 5 blocks on 10 SMs for 100 ns (0.5), 40 blocks for 300 ns (1.0):
    // (0.5*100 + 1.0*300) / 400 = 0.875.
    const std::vector<KernelRecord> ks{kernel("small", 0, 100, 5), kernel("big", 100, 400, 40)};
    const auto m = window_metrics(ks, {}, device(), 0, 400);
    EXPECT_DOUBLE_EQ(m.sm_efficiency, 0.875);
    EXPECT_DOUBLE_EQ(m.busy_fraction, 1.0);
}

TEST(GpuActivity, OccupancyFollowsTheTightestLimit) {
    const DeviceLimits d = device();
    // 256 threads = 8 warps/block; threads allow 8 blocks, registers 65536/(32*256) = 8,
    // blocks 16; 1000 blocks over 10 SMs = 100 each: 8 blocks * 8 warps / 64 = 1.0.
    EXPECT_DOUBLE_EQ(kernel_occupancy(kernel("k", 0, 1, 1000, 256, 32), d), 1.0);
    // 64 registers: 65536 / (64*256) = 4 blocks -> 32 / 64 warps = 0.5.
    EXPECT_DOUBLE_EQ(kernel_occupancy(kernel("k", 0, 1, 1000, 256, 64), d), 0.5);
    // 40 KiB shared per block: 100/40 = 2 blocks -> 16 / 64 = 0.25.
    EXPECT_DOUBLE_EQ(kernel_occupancy(kernel("k", 0, 1, 1000, 256, 32, 40 * 1024), d), 0.25);
    // 10 blocks on 10 SMs: one block each -> 8 / 64 = 0.125.
    EXPECT_DOUBLE_EQ(kernel_occupancy(kernel("k", 0, 1, 10, 256, 32), d), 0.125);
    // 100 threads round up to 4 warps; 16-block limit: 16*4/64 = 1.0.
    EXPECT_DOUBLE_EQ(kernel_occupancy(kernel("k", 0, 1, 1000, 100, 16), d), 1.0);
    // In a window: (1.0 * 100 + 0.5 * 100) / 200 = 0.75.
    const auto m = window_metrics({kernel("a", 0, 100, 1000, 256, 32), kernel("b", 100, 200, 1000, 256, 64)}, {},
                                  d, 0, 200);
    EXPECT_DOUBLE_EQ(m.occupancy, 0.75);
}

TEST(GpuActivity, MemcpyBandwidthProratesRecordsCrossingTheWindow) {
    // 1000 bytes over [0,100) fully inside; 2000 bytes over [150,250) half inside [0,200).
    // (1000 + 1000) bytes / 200 ns = 10 bytes/ns = 10 GB/s.
    const std::vector<MemcpyRecord> cs{{0, 100, 1000}, {150, 250, 2000}};
    const auto m = window_metrics({}, cs, device(), 0, 200);
    EXPECT_DOUBLE_EQ(m.memcpy_gb_per_s, 10.0);
    EXPECT_DOUBLE_EQ(m.busy_fraction, 0.0);
    EXPECT_DOUBLE_EQ(m.sm_efficiency, 0.0);
}

TEST(GpuActivity, KernelTableSumsCallsAndTime) {
    const auto table = kernel_table({kernel("gemm", 0, 100, 1), kernel("relu", 100, 110, 1),
                                     kernel("gemm", 200, 260, 1), kernel("relu", 300, 320, 1)});
    ASSERT_EQ(table.size(), 2u);
    EXPECT_EQ(table[0].name, "gemm");
    EXPECT_EQ(table[0].calls, 2);
    EXPECT_EQ(table[0].total_ns, 160);
    EXPECT_DOUBLE_EQ(table[0].mean_ns, 80.0);
    EXPECT_EQ(table[1].total_ns, 30);
}

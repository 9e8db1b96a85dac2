// The CPU op profiler attributes time to the operators a known graph runs; a job's
// profiler records them for the configured share of the time.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <chrono>
#include <thread>

#include "profile/job_profiler.h"
#include "profile/op_profiler.h"

using namespace sparq::engine::profile;

namespace {

const OpStats* find(const std::vector<OpStats>& ops, const std::string& name) {
    for (const auto& o : ops)
        if (o.name == name) return &o;
    return nullptr;
}

}  // namespace

TEST(OpProfiler, CountsAndTimesTheOpsOfAKnownGraph) {
    torch::NoGradGuard no_grad;
    const auto a = torch::randn({384, 384}), b = torch::randn({384, 384}), small = torch::randn({16});
    torch::Tensor sink;
    for (int i = 0; i < 3; ++i) sink = torch::mm(a, b);  // before profiling: not counted
    std::vector<OpStats> before, after;
    {
        OpProfilerScope scope;
        before = OpProfiler::instance().snapshot();
        for (int i = 0; i < 20; ++i) sink = torch::mm(a, b);
        for (int i = 0; i < 7; ++i) sink = torch::relu(small);
        after = OpProfiler::instance().snapshot();
    }
    for (int i = 0; i < 3; ++i) sink = torch::mm(a, b);  // after: not counted either
    const auto ops = ops_between(before, after);
    const OpStats* mm = find(ops, "aten::mm");
    const OpStats* relu = find(ops, "aten::relu");
    ASSERT_NE(mm, nullptr);
    ASSERT_NE(relu, nullptr);
    EXPECT_EQ(mm->calls, 20);
    EXPECT_EQ(relu->calls, 7);
    // A 384^3 product takes far longer than a 16-element ReLU: the table leads with mm.
    EXPECT_EQ(ops.front().name, "aten::mm");
    EXPECT_GT(mm->self_ns, 20 * relu->self_ns);
    EXPECT_LE(mm->self_ns, mm->total_ns);
    const auto later = ops_between(after, OpProfiler::instance().snapshot());
    EXPECT_EQ(find(later, "aten::mm"), nullptr) << "nothing counted once stopped";
}

// A composite op's self time excludes the ops it calls: matmul of two matrices calls mm;
// its total covers mm's.
TEST(OpProfiler, SelfTimeExcludesNestedOps) {
    torch::NoGradGuard no_grad;
    const auto a = torch::randn({256, 512}), b = torch::randn({512, 512});
    std::vector<OpStats> ops;
    {
        OpProfilerScope scope;
        const auto before = OpProfiler::instance().snapshot();
        for (int i = 0; i < 10; ++i) torch::matmul(a, b);
        ops = ops_between(before, OpProfiler::instance().snapshot());
    }
    const OpStats* matmul = find(ops, "aten::matmul");
    const OpStats* mm = find(ops, "aten::mm");
    ASSERT_NE(matmul, nullptr);
    ASSERT_NE(mm, nullptr);
    EXPECT_EQ(matmul->calls, 10);
    EXPECT_EQ(mm->calls, 10);
    EXPECT_GE(matmul->total_ns, mm->total_ns);
    EXPECT_LT(matmul->self_ns, mm->self_ns) << "the product's time is mm's, not matmul's";
    EXPECT_NEAR(double(matmul->total_ns), double(matmul->self_ns + mm->total_ns), 0.05 * double(matmul->total_ns));
}

// Backward nodes are recorded too, and ops on other threads land in their own tables.
TEST(OpProfiler, BackwardNodesAndOtherThreads) {
    std::vector<OpStats> ops;
    {
        OpProfilerScope scope;
        const auto before = OpProfiler::instance().snapshot();
        auto w = torch::randn({64, 64}, torch::requires_grad());
        torch::mm(torch::randn({32, 64}), w).sum().backward();
        std::thread other([] {
            torch::NoGradGuard no_grad;
            for (int i = 0; i < 5; ++i) torch::tanh(torch::ones({8}));
        });
        other.join();
        ops = ops_between(before, OpProfiler::instance().snapshot());
    }
    bool backward_node = false;
    for (const auto& o : ops) backward_node |= o.name.find("MmBackward") != std::string::npos;
    EXPECT_TRUE(backward_node);
    const OpStats* tanh = find(ops, "aten::tanh");
    ASSERT_NE(tanh, nullptr);
    EXPECT_EQ(tanh->calls, 5);
    EXPECT_EQ(OpProfiler::instance().dropped(), 0);
}

// A job's profiler records operators for a slice of each period only: the share it
// reports is the share of ops it saw, and both follow the configured window.
TEST(JobProfiler, RecordsOperatorsDuringItsWindowOnly) {
    sparq::profiler::MetricBus bus;
    sparq::engine::JobSink quiet;
    sparq::engine::ProfileOptions options;
    options.gpu = false;
    options.alerts = false;
    options.period_ms = 40;
    options.ops_window = 0.25;
    torch::NoGradGuard no_grad;
    const auto x = torch::ones({4});
    std::int64_t issued = 0;
    double coverage = 0;
    std::vector<OpStats> ops;
    {
        JobProfiler profiler(bus, nullptr, 1, options, "{}", quiet, sparq::engine::Device{});
        EXPECT_NE(profiler.status().find("ops (25% of the time)"), std::string::npos) << profiler.status();
        const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(1200);
        torch::Tensor sink;
        while (std::chrono::steady_clock::now() < until) {
            for (int i = 0; i < 50; ++i) sink = torch::neg(x);
            issued += 50;
        }
        coverage = profiler.ops_coverage();
        ops = profiler.ops();
    }
    EXPECT_GT(coverage, 0.15);
    EXPECT_LT(coverage, 0.40);
    const OpStats* neg = find(ops, "aten::neg");
    ASSERT_NE(neg, nullptr);
    const double seen = double(neg->calls) / double(issued);
    EXPECT_GT(seen, 0.10) << neg->calls << " of " << issued;
    EXPECT_LT(seen, 0.45) << neg->calls << " of " << issued;
    EXPECT_FALSE(OpProfiler::instance().active()) << "the callbacks are gone with the job";
}

// The GPU's collectors watch a job on a GPU only: a job on the CPU starts neither CUPTI nor
// NVML, whatever the machine has, and says so in its status line.
TEST(JobProfiler, AJobOnTheCpuStartsNoGpuCollector) {
    sparq::profiler::MetricBus bus;
    sparq::engine::JobSink quiet;
    sparq::engine::ProfileOptions options;  // gpu on, alerts on: the defaults
    options.ops = false;
    JobProfiler profiler(bus, nullptr, 1, options, "{}", quiet, sparq::engine::Device{});
    EXPECT_NE(profiler.status().find("GPU none (the job runs on the CPU"), std::string::npos) << profiler.status();
    EXPECT_EQ(profiler.status().find("CUPTI"), std::string::npos) << profiler.status();
    EXPECT_EQ(profiler.status().find("NVML"), std::string::npos) << profiler.status();
}

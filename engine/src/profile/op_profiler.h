#pragma once
// OpProfiler: per-operator self time and call counts of every LibTorch op (ATen ops and
// autograd backward nodes), through RecordFunction's global callbacks.
//
// Record path (each op start and end, on the thread running the op): no lock, no
// allocation, no system call beyond the vDSO clock. Each thread owns a fixed table (open
// addressing on the op name's hash, the name copied into the slot once) and a fixed stack
// of open ops, so an op's self time is its time minus that of the ops it called. The
// table is allocated and registered once per thread, under a lock, the first time that
// thread runs an op while profiling. Readers sum the threads' counters, written with
// relaxed atomic stores by their owner only.
#include <cstdint>
#include <string>
#include <vector>

namespace sparq::engine::profile {

struct OpStats {
    std::string name;
    std::int64_t calls = 0;
    std::int64_t self_ns = 0;
    std::int64_t total_ns = 0;  // including the ops it called
};

class OpProfiler {
public:
    /// The process's profiler (RecordFunction callbacks are process-wide).
    static OpProfiler& instance();

    /// Starts counting (adds the callback on first use). Calls nest: counting stops when
    /// every start has been matched by a stop.
    void start();
    void stop();
    bool active() const;

    /// Cumulative counters since the process started profiling, summed over threads, most
    /// self time first.
    std::vector<OpStats> snapshot() const;
    /// Ops dropped because a thread's table was full or its stack too deep.
    std::int64_t dropped() const;

private:
    OpProfiler() = default;
};

/// Starts the profiler for a scope.
class OpProfilerScope {
public:
    OpProfilerScope() { OpProfiler::instance().start(); }
    ~OpProfilerScope() { OpProfiler::instance().stop(); }
    OpProfilerScope(const OpProfilerScope&) = delete;
    OpProfilerScope& operator=(const OpProfilerScope&) = delete;
};

/// Differences of two snapshots (what happened between them), most self time first; ops
/// without calls in between are left out.
std::vector<OpStats> ops_between(const std::vector<OpStats>& before, const std::vector<OpStats>& after);

}  // namespace sparq::engine::profile

#pragma once
// Engine micro-benchmarks that compare two paths side by side in one process.
#include <string>
#include <vector>

#include "sparq/engine/engine.h"

namespace sparq::engine {

struct SparseBenchOptions {
    std::string preset = "gated-mlp-fashion";  // layer shapes, blocks, groups, active fraction
    double active_fraction = 0;                // 0 = the preset's
    std::string checkpoint;                    // trained weights (else the preset's init)
    std::vector<int> batches{1, 64};
    int threads = 2;
    double seconds_per_point = 1.5;            // measuring time per batch size and path
};

struct SparseBenchRow {
    int batch = 0;
    double dense_ms = 0;               // dense LibTorch path of the same shapes (median)
    double sparse_ms = 0;              // gate + dispatch kernels (median)
    double speedup = 0;                // dense_ms / sparse_ms
    double active_param_fraction = 0;  // observed on the benchmark's inputs
};

/// Times the whole model forward (hidden layers + head) both ways on Fashion-MNIST test
/// images (random inputs when the data set is missing), alternating the two paths.
std::vector<SparseBenchRow> bench_sparse(const SparseBenchOptions& options);

struct AmpBenchOptions {
    std::string preset = "mlp-fashion";
    std::vector<std::string> precisions{"fp32", "bf16"};  // the first is the reference
    int steps = 200;          // optimizer steps per precision (timed, then evaluated)
    int threads = 2;
    std::int64_t limit_test = 0;
};

struct AmpBenchRow {
    std::string precision;
    double step_ms = 0;       // median of rounds of 10 steps, precisions alternated
    double peak_mb = 0;       // growth of the process's peak resident set over 10 steps
    double accuracy = 0;      // test accuracy after `steps` steps
};

/// Trains the preset's model once per precision in this process, alternating rounds of
/// steps so that all see the same machine state.
std::vector<AmpBenchRow> bench_amp(const AmpBenchOptions& options);

}  // namespace sparq::engine

namespace sparq::engine {

struct ProfilerOverheadOptions {
    std::vector<std::string> presets{"mlp-fashion", "cnn-fashion"};
    int rounds = 40;            // rounds per mode, modes alternated
    int steps_per_round = 0;    // 0 = as many as fill round_seconds (timed after the warm-up)
    double round_seconds = 1.0; // a round spans several profiler periods, as a job does
    int threads = 2;
    ProfileOptions profile;     // what the "on" rounds run (the job defaults)
};

struct ProfilerOverheadRow {
    std::string preset;
    double off_step_ms = 0;     // median over rounds, profiler off
    double on_step_ms = 0;      // median over rounds, profiler on (process, cores, ops, alerts;
                                // the model trains on the CPU, so no GPU collectors)
    double overhead_ratio = 0;  // on / off
    std::int64_t ops_recorded = 0;  // operator calls the profiler saw in its rounds
    double ops_coverage = 0;        // share of the "on" time with operators recorded, measured
    int steps_per_round = 0;
};

/// Trains each preset's model in this process with the profiler off and on in alternating
/// rounds (the job profiler started before and stopped after each "on" round, outside the
/// timed steps); every step publishes its loss on a bus either way, as a job does.
std::vector<ProfilerOverheadRow> bench_profiler_overhead(const ProfilerOverheadOptions& options);

}  // namespace sparq::engine

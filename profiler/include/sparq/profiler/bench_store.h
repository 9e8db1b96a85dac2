#pragma once
// The history's speed, measured on a database generated for the purpose.
#include <cstdint>
#include <string>

namespace sparq::profiler {

struct StoreBenchOptions {
    std::string dir;                  // where the scratch databases go (removed after)
    std::int64_t ingest_samples = 5'000'000;
    int series = 20;                  // of the ingest run and of the load test
    std::int64_t points_per_series = 100'000;
    int runs = 10'000;
};

struct StoreBenchResult {
    double ingest_samples_per_s = 0;  // producers -> bus -> writer thread -> committed
    double list_10k_runs_ms = 0;      // RunReader::list_runs() over `runs` finished runs
    double load_20x100k_points_ms = 0;  // RunReader::load_series() of series x points_per_series
    double db_bytes_per_sample = 0;   // file size over samples stored, after a checkpoint
    std::int64_t samples = 0;         // stored in all: the ingest run and the load run
    std::int64_t points_loaded = 0;   // by the load test
    std::int64_t runs = 0;
};

StoreBenchResult bench_store(const StoreBenchOptions& options);

}  // namespace sparq::profiler

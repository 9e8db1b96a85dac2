#include "sparq/profiler/bench_store.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include "sparq/profiler/metric_bus.h"
#include "sparq/profiler/run_store.h"
#include "sqlite_db.h"

namespace sparq::profiler {

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

// Truncates the WAL into the main file so that the file size is the data's.
std::int64_t checkpointed_bytes(const std::string& path) {
    {
        sql::Db db(path, sql::Db::Mode::ReadWrite, 5000);
        db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    std::error_code ec;
    std::int64_t bytes = std::int64_t(fs::file_size(path, ec));
    const auto wal = fs::file_size(path + "-wal", ec);
    if (!ec) bytes += std::int64_t(wal);
    return bytes;
}

}  // namespace

StoreBenchResult bench_store(const StoreBenchOptions& o) {
    StoreBenchResult r;
    const fs::path dir = fs::path(o.dir.empty() ? fs::temp_directory_path() : fs::path(o.dir)) /
                         ("sparq-bench-store-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string samples_db = (dir / "samples.db").string(), runs_db = (dir / "runs.db").string();

    // Ingest: two producers share the series, through the bus and the writer, timed to the
    // last commit. Then a second run with exactly series x points_per_series serves the
    // load test.
    RunId load_run = 0;
    {
        MetricBus bus;
        auto store = RunStore::open({samples_db});
        store->attach(bus);
        const RunId run = store->create_run({"bench-store", "bench", "", "{}"});
        std::vector<SeriesId> ids;
        for (int s = 0; s < o.series; ++s) ids.push_back(bus.series().intern("bench/s" + std::to_string(s)));
        const std::int64_t per_series = o.ingest_samples / o.series;
        const auto t0 = Clock::now();
        {
            constexpr int kProducers = 2;
            std::vector<std::thread> threads;
            for (int p = 0; p < kProducers; ++p)
                threads.emplace_back([&, p] {
                    Producer out = bus.make_producer();
                    for (std::int64_t i = 0; i < per_series; ++i)
                        for (int s = p; s < o.series; s += kProducers)
                            out.publish(run, ids[std::size_t(s)], i, double(i) * 0.5 + s);
                });
            for (auto& t : threads) t.join();
        }
        store->detach();  // every published sample delivered and committed
        r.ingest_samples_per_s = double(per_series * o.series) / (ms_since(t0) / 1000.0);
        store->finish_run(run, "completed", "{}", std::nullopt);
        r.samples = per_series * o.series;

        store->attach(bus);
        load_run = store->create_run({"bench-load", "bench", "", "{}"});
        {
            Producer out = bus.make_producer();
            for (std::int64_t i = 0; i < o.points_per_series; ++i)
                for (int s = 0; s < o.series; ++s)
                    out.publish(load_run, ids[std::size_t(s)], i, 1.0 / double(i + s + 1));
        }
        store->detach();
        store->finish_run(load_run, "completed", "{}", std::nullopt);
        r.samples += o.points_per_series * o.series;
    }
    r.db_bytes_per_sample = double(checkpointed_bytes(samples_db)) / double(r.samples);
    {
        RunReader reader(samples_db);
        std::vector<std::string> names;
        for (int s = 0; s < o.series; ++s) names.push_back("bench/s" + std::to_string(s));
        const auto t0 = Clock::now();
        const auto series = reader.load_series(load_run, names);
        r.load_20x100k_points_ms = ms_since(t0);
        std::int64_t points = 0;
        for (const auto& s : series) points += std::int64_t(s.value.size());
        if (points != std::int64_t(o.series) * o.points_per_series)
            throw StoreError("bench store: the load test read " + std::to_string(points) + " points, not the " +
                             std::to_string(std::int64_t(o.series) * o.points_per_series) + " written");
        r.points_loaded = points;
    }

    // Many runs: created through the store like real ones, with configuration and summary.
    {
        auto store = RunStore::open({runs_db});
        const std::string config = R"({"kind":"train","model":"mlp","hidden":[512,256],"lr":0.001,"epochs":5})";
        for (int i = 0; i < o.runs; ++i) {
            const RunId id = store->create_run({"run " + std::to_string(i), "train", "mlp-fashion", config});
            store->finish_run(id, "completed", R"({"test_accuracy":0.87,"wall_s":12.5})", 0.87);
        }
    }
    {
        RunReader reader(runs_db);
        const auto t0 = Clock::now();
        const auto runs = reader.list_runs();
        r.list_10k_runs_ms = ms_since(t0);
        r.runs = std::int64_t(runs.size());
    }
    fs::remove_all(dir);
    return r;
}

}  // namespace sparq::profiler

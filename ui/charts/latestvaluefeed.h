#pragma once
// LatestValueFeed: a bus subscriber that keeps only the newest value of each watched series
// of the run on show (per-epoch values such as the per-block loads of a gated layer). The bus
// thread writes under a mutex; a UI timer compares version() and takes a snapshot when it
// moved. Follows a newer run the way ChartFeed does.
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sparq/profiler/metric_bus.h"
#include "sparq/profiler/sample.h"

namespace sparq::ui {

class LatestValueFeed : public profiler::MetricSubscriber {
public:
    struct Snapshot {
        profiler::RunId run = 0;
        std::uint64_t version = 0;
        std::vector<std::optional<double>> values;  // one per watched series, in watch order
    };

    explicit LatestValueFeed(profiler::MetricBus& bus, std::vector<std::string> series_names = {});
    ~LatestValueFeed() override;  // unsubscribes; no call arrives afterwards
    LatestValueFeed(const LatestValueFeed&) = delete;
    LatestValueFeed& operator=(const LatestValueFeed&) = delete;

    /// Replaces the watched series (interning the names) and forgets every value.
    void watch(std::vector<std::string> series_names);
    /// Shows `run` from now on, forgetting the values when it differs from the run on show.
    /// Samples of a newer run (a larger id) switch the feed to it on their own.
    void set_run(profiler::RunId run);
    profiler::RunId run() const;

    /// Bus consumer thread.
    void on_samples(const profiler::Sample* samples, std::size_t count) override;

    /// Bumped whenever a value, the run or the watched set changes.
    std::uint64_t version() const;
    Snapshot snapshot() const;
    std::vector<std::string> series_names() const;

private:
    void forget();  // mutex_ held

    profiler::MetricBus& bus_;
    mutable std::mutex mutex_;
    std::vector<std::string> names_;
    std::vector<int> slot_of_id_;  // SeriesId -> watched slot, or -1
    std::vector<std::optional<double>> values_;
    profiler::RunId run_ = 0;
    std::uint64_t version_ = 0;
};

}  // namespace sparq::ui

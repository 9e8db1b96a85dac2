#include "charts/latestvaluefeed.h"

#include <algorithm>
#include <utility>

namespace sparq::ui {

LatestValueFeed::LatestValueFeed(profiler::MetricBus& bus, std::vector<std::string> series_names)
    : bus_(bus) {
    watch(std::move(series_names));
    bus_.subscribe(this);
}

LatestValueFeed::~LatestValueFeed() { bus_.unsubscribe(this); }

void LatestValueFeed::watch(std::vector<std::string> series_names) {
    // Interned outside our lock: the registry has its own, and the bus thread needs neither.
    std::vector<profiler::SeriesId> ids;
    ids.reserve(series_names.size());
    for (const auto& name : series_names) ids.push_back(bus_.series().intern(name));
    const profiler::SeriesId top = ids.empty() ? 0 : *std::max_element(ids.begin(), ids.end());

    std::lock_guard lock(mutex_);
    names_ = std::move(series_names);
    slot_of_id_.assign(std::size_t(top) + 1, -1);
    for (std::size_t i = 0; i < ids.size(); ++i) slot_of_id_[ids[i]] = int(i);
    values_.assign(names_.size(), std::nullopt);
    ++version_;
}

void LatestValueFeed::set_run(profiler::RunId run) {
    std::lock_guard lock(mutex_);
    if (run == run_) return;
    run_ = run;
    forget();
}

profiler::RunId LatestValueFeed::run() const {
    std::lock_guard lock(mutex_);
    return run_;
}

void LatestValueFeed::forget() {
    std::fill(values_.begin(), values_.end(), std::nullopt);
    ++version_;
}

void LatestValueFeed::on_samples(const profiler::Sample* samples, std::size_t count) {
    std::lock_guard lock(mutex_);
    bool changed = false;
    for (std::size_t i = 0; i < count; ++i) {
        const profiler::Sample& s = samples[i];
        if (s.series >= slot_of_id_.size()) continue;
        const int slot = slot_of_id_[s.series];
        if (slot < 0) continue;
        const auto run = static_cast<profiler::RunId>(s.run);
        if (run > run_) {
            run_ = run;
            forget();
        }
        if (run != run_) continue;
        values_[std::size_t(slot)] = s.value;
        changed = true;
    }
    if (changed) ++version_;
}

std::uint64_t LatestValueFeed::version() const {
    std::lock_guard lock(mutex_);
    return version_;
}

LatestValueFeed::Snapshot LatestValueFeed::snapshot() const {
    std::lock_guard lock(mutex_);
    return Snapshot{run_, version_, values_};
}

std::vector<std::string> LatestValueFeed::series_names() const {
    std::lock_guard lock(mutex_);
    return names_;
}

}  // namespace sparq::ui

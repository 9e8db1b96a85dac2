#include "profile/profilefeed.h"

#include <algorithm>

namespace sparq::ui {

ProfileFeed::ProfileFeed(profiler::MetricBus& bus, Capacity capacity) : bus_(bus), capacity_(std::move(capacity)) {
    bus_.subscribe(this);
}

ProfileFeed::~ProfileFeed() { bus_.unsubscribe(this); }

void ProfileFeed::set_run(profiler::RunId run) {
    std::lock_guard lock(mutex_);
    if (run != run_) switch_to(run);
}

profiler::RunId ProfileFeed::run() const {
    std::lock_guard lock(mutex_);
    return run_;
}

std::optional<std::int64_t> ProfileFeed::origin_ns() const {
    std::lock_guard lock(mutex_);
    if (!have_origin_) return std::nullopt;
    return origin_ns_;
}

std::optional<double> ProfileFeed::seconds_at(std::int64_t time_ns) const {
    const auto origin = origin_ns();
    if (!origin) return std::nullopt;
    return double(time_ns - *origin) * 1e-9;
}

int ProfileFeed::slot_of(profiler::SeriesId id) {
    if (id >= slots_.size()) slots_.resize(std::size_t(id) + 1, -2);
    int& slot = slots_[id];
    if (slot != -2) return slot;
    // Each id is looked up in the registry once; the answer is kept either way.
    std::string name = bus_.series().name(id);
    const std::size_t keep = name.empty() ? 0 : capacity_(name);
    if (keep == 0) {
        slot = -1;
        return slot;
    }
    Window w;
    w.name = std::move(name);
    w.capacity = std::max<std::size_t>(keep, 4);
    windows_.push_back(std::move(w));
    slot = int(windows_.size()) - 1;
    return slot;
}

void ProfileFeed::switch_to(profiler::RunId run) {
    run_ = run;
    switched_ = true;
    have_origin_ = false;
    for (Window& w : windows_) w.clear(false);
    touched_.clear();
}

void ProfileFeed::on_samples(const profiler::Sample* samples, std::size_t count) {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < count; ++i) {
        const profiler::Sample& s = samples[i];
        const int slot = slot_of(s.series);
        if (slot < 0) continue;
        const auto run = static_cast<profiler::RunId>(s.run);
        if (run > run_) switch_to(run);
        if (run != run_) continue;
        if (!have_origin_) {
            have_origin_ = true;
            origin_ns_ = s.time_ns;
        }
        Window& w = windows_[std::size_t(slot)];
        if (w.pending.empty() && !w.reset) touched_.push_back(std::size_t(slot));
        w.add(TimedPoint{double(s.time_ns - origin_ns_) * 1e-9, s.value}, w.capacity);
    }
}

ProfileFeed::Update ProfileFeed::take() {
    Update update;
    std::lock_guard lock(mutex_);
    update.run = run_;
    update.switched = std::exchange(switched_, false);
    std::sort(touched_.begin(), touched_.end());
    touched_.erase(std::unique(touched_.begin(), touched_.end()), touched_.end());
    update.series.reserve(touched_.size());
    for (std::size_t slot : touched_) {
        Window& w = windows_[slot];
        SeriesUpdate u;
        u.name = w.name;
        u.reset = std::exchange(w.reset, false);
        u.points.swap(w.pending);
        if (u.reset || !u.points.empty()) update.series.push_back(std::move(u));
    }
    touched_.clear();
    return update;
}

void ProfileFeed::resend() {
    std::lock_guard lock(mutex_);
    touched_.clear();
    for (std::size_t i = 0; i < windows_.size(); ++i) {
        Window& w = windows_[i];
        if (w.points.empty()) continue;
        w.pending = w.points;
        w.reset = true;
        touched_.push_back(i);
    }
}

}  // namespace sparq::ui

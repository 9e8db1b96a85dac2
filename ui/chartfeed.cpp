#include "chartfeed.h"

#include <algorithm>
#include <utility>

namespace sparq::ui {

bool ChartFeed::Update::empty() const {
    return std::all_of(series.begin(), series.end(),
                       [](const SeriesUpdate& s) { return !s.reset && s.points.empty(); });
}

ChartFeed::ChartFeed(profiler::MetricBus& bus, std::vector<std::string> series_names,
                     std::size_t capacity)
    : bus_(bus), names_(std::move(series_names)), capacity_(std::max<std::size_t>(capacity, 4)) {
    ids_.reserve(names_.size());
    for (const auto& name : names_) ids_.push_back(bus_.series().intern(name));
    windows_.resize(names_.size());
    for (auto& w : windows_) w.points.reserve(capacity_);
    bus_.subscribe(this);
}

ChartFeed::~ChartFeed() { bus_.unsubscribe(this); }

void ChartFeed::set_run(profiler::RunId run) {
    std::lock_guard lock(mutex_);
    if (run != run_) switch_to(run);
}

profiler::RunId ChartFeed::run() const {
    std::lock_guard lock(mutex_);
    return run_;
}

void ChartFeed::switch_to(profiler::RunId run) {
    run_ = run;
    have_t0_ = false;
    for (auto& w : windows_) {
        w.points.clear();
        w.pending.clear();
        w.reset = true;
        w.stride = 1;
        w.skipped = 0;
    }
}

void ChartFeed::add(Window& w, Point p) {
    if (w.skipped + 1 < w.stride) {
        ++w.skipped;
        return;
    }
    w.skipped = 0;
    if (w.points.size() >= capacity_) {
        // Halve: keep every other point, and from now on keep one sample in twice as many.
        std::size_t kept = 0;
        for (std::size_t i = 0; i < w.points.size(); i += 2) w.points[kept++] = w.points[i];
        w.points.resize(kept);
        w.stride *= 2;
        // What was drawn no longer matches the window: redraw it whole on the next take().
        w.pending = w.points;
        w.reset = true;
    }
    w.points.push_back(p);
    w.pending.push_back(p);
}

void ChartFeed::on_samples(const profiler::Sample* samples, std::size_t count) {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < count; ++i) {
        const profiler::Sample& s = samples[i];
        const auto slot = std::find(ids_.begin(), ids_.end(), s.series);
        if (slot == ids_.end()) continue;
        const auto run = static_cast<profiler::RunId>(s.run);
        if (run > run_) switch_to(run);
        if (run != run_) continue;
        if (!have_t0_) {
            have_t0_ = true;
            t0_ns_ = s.time_ns;
        }
        add(windows_[std::size_t(slot - ids_.begin())],
            Point{double(s.time_ns - t0_ns_) * 1e-9, s.value});
    }
}

ChartFeed::Update ChartFeed::take() {
    Update update;
    update.series.resize(windows_.size());
    std::lock_guard lock(mutex_);
    update.run = run_;
    for (std::size_t i = 0; i < windows_.size(); ++i) {
        update.series[i].points.swap(windows_[i].pending);
        update.series[i].reset = std::exchange(windows_[i].reset, false);
    }
    return update;
}

}  // namespace sparq::ui

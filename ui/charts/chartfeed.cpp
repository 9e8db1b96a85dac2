#include "charts/chartfeed.h"

#include <algorithm>
#include <numeric>
#include <utility>

namespace sparq::ui {

bool ChartFeed::Update::empty() const {
    return added.empty() && std::all_of(series.begin(), series.end(), [](const SeriesUpdate& s) {
               return !s.reset && s.points.empty();
           });
}

bool ChartFeed::SeriesPattern::matches(std::string_view name) const {
    return name.size() > prefix.size() + suffix.size() && name.substr(0, prefix.size()) == prefix &&
           name.substr(name.size() - suffix.size()) == suffix;
}

ChartFeed::ChartFeed(profiler::MetricBus& bus, std::vector<std::string> series_names,
                     std::size_t capacity, XAxis x_axis)
    : bus_(bus), capacity_(std::max<std::size_t>(capacity, 4)), x_axis_(x_axis), names_(std::move(series_names)) {
    ids_.reserve(names_.size());
    for (const auto& name : names_) ids_.push_back(bus_.series().intern(name));
    windows_.resize(names_.size());
    for (auto& w : windows_) w.points.reserve(capacity_);
    reported_ = names_.size();
    bus_.subscribe(this);
}

ChartFeed::ChartFeed(SeriesPattern pattern, profiler::MetricBus& bus, std::size_t capacity, XAxis x_axis)
    : bus_(bus), capacity_(std::max<std::size_t>(capacity, 4)), x_axis_(x_axis), by_pattern_(true),
      pattern_(std::move(pattern)) {
    bus_.subscribe(this);
}

std::unique_ptr<ChartFeed> ChartFeed::matching(profiler::MetricBus& bus, SeriesPattern pattern,
                                               std::size_t capacity, XAxis x_axis) {
    return std::unique_ptr<ChartFeed>(new ChartFeed(std::move(pattern), bus, capacity, x_axis));
}

std::vector<ChartFeed::Point> ChartFeed::recordedPoints(const profiler::SeriesPoints& s) {
    // The history returns a series ordered by step; in time order, seeds follow one another.
    const std::size_t n = std::min({s.step.size(), s.time_ns.size(), s.value.size()});
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t(0));
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return s.time_ns[a] < s.time_ns[b]; });
    std::vector<Point> points;
    points.reserve(n);
    for (std::size_t i : order) points.push_back({double(s.step[i]), s.value[i]});
    return points;
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

std::vector<std::string> ChartFeed::series_names() const {
    std::lock_guard lock(mutex_);
    return names_;
}

int ChartFeed::slot_of(profiler::SeriesId id) {
    const auto slot = std::find(ids_.begin(), ids_.end(), id);
    if (slot != ids_.end()) return int(slot - ids_.begin());
    if (!by_pattern_ || (id < rejected_.size() && rejected_[id])) return -1;
    // Each id is looked up in the registry once; the answer is kept either way.
    std::string name = bus_.series().name(id);
    if (!pattern_.matches(name)) {
        if (id >= rejected_.size()) rejected_.resize(std::size_t(id) + 1, false);
        rejected_[id] = true;
        return -1;
    }
    names_.push_back(std::move(name));
    ids_.push_back(id);
    windows_.emplace_back();
    windows_.back().points.reserve(capacity_);
    return int(ids_.size()) - 1;
}

void ChartFeed::switch_to(profiler::RunId run) {
    run_ = run;
    have_t0_ = false;
    for (auto& w : windows_) w.clear(true);
}

void ChartFeed::on_samples(const profiler::Sample* samples, std::size_t count) {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < count; ++i) {
        const profiler::Sample& s = samples[i];
        const int slot = slot_of(s.series);
        if (slot < 0) continue;
        const auto run = static_cast<profiler::RunId>(s.run);
        if (run > run_) switch_to(run);
        if (run != run_) continue;
        if (!have_t0_) {
            have_t0_ = true;
            t0_ns_ = s.time_ns;
        }
        const double x = x_axis_ == XAxis::Step ? double(s.step) : double(s.time_ns - t0_ns_) * 1e-9;
        windows_[std::size_t(slot)].add(Point{x, s.value}, capacity_);
    }
}

ChartFeed::Update ChartFeed::take() {
    Update update;
    std::lock_guard lock(mutex_);
    update.series.resize(windows_.size());
    update.run = run_;
    update.added.assign(names_.begin() + std::ptrdiff_t(reported_), names_.end());
    reported_ = names_.size();
    for (std::size_t i = 0; i < windows_.size(); ++i) {
        update.series[i].points.swap(windows_[i].pending);
        update.series[i].reset = std::exchange(windows_[i].reset, false);
    }
    return update;
}

}  // namespace sparq::ui

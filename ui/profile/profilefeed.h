#pragma once
// ProfileFeed: the Profile view's subscriber on the metric bus. Unlike ChartFeed, whose
// time origin is the first sample of its own few series, it watches every series a profile
// draws or reads (chosen by a function of the name, asked once per series) on ONE origin:
// the run's first sample seen here, so that all charts, the operator counters and the alerts
// (whose time the sink reports on the samples' steady clock) line up. Per series it keeps a
// decimated window (the capacity that function gives) and the points added since the last
// take(); a ~30 Hz QTimer on the UI thread takes them.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "charts/decimatedwindow.h"
#include "profile/profiletimeline.h"
#include "sparq/profiler/metric_bus.h"
#include "sparq/profiler/sample.h"

namespace sparq::ui {

class ProfileFeed : public profiler::MetricSubscriber {
public:
    /// How many points of a series to keep (halving past it), or 0 for a series not watched.
    using Capacity = std::function<std::size_t(const std::string& name)>;

    struct SeriesUpdate {
        std::string name;
        bool reset = false;            // drop what was drawn of it before, then add `points`
        std::vector<TimedPoint> points;  // in arrival order
    };
    struct Update {
        profiler::RunId run = 0;  // run on show (0 = none)
        bool switched = false;    // a new run since the last take(): forget the old one
        std::vector<SeriesUpdate> series;  // only series with news
        bool empty() const { return !switched && series.empty(); }
    };

    ProfileFeed(profiler::MetricBus& bus, Capacity capacity);
    ~ProfileFeed() override;  // unsubscribes; no call arrives afterwards
    ProfileFeed(const ProfileFeed&) = delete;
    ProfileFeed& operator=(const ProfileFeed&) = delete;

    /// Shows `run` from now on (forgetting the run on show when it differs). Samples of a newer
    /// run (a larger id) switch the feed by themselves, as in ChartFeed.
    void set_run(profiler::RunId run);
    profiler::RunId run() const;
    /// Steady-clock time of the run's origin (its first sample seen), once there is one.
    std::optional<std::int64_t> origin_ns() const;
    /// Seconds since the origin of a steady-clock time (nullopt before the first sample).
    std::optional<double> seconds_at(std::int64_t time_ns) const;

    /// Bus consumer thread.
    void on_samples(const profiler::Sample* samples, std::size_t count) override;

    /// UI thread: the points gathered since the last call.
    Update take();
    /// The next take() hands every window over whole (each series reset), as after a switch.
    void resend();

private:
    struct Window : DecimatedWindow<TimedPoint> {
        std::string name;
        std::size_t capacity = 0;
    };
    int slot_of(profiler::SeriesId id);  // -1 when not watched; mutex_ held
    void switch_to(profiler::RunId run);  // mutex_ held

    profiler::MetricBus& bus_;
    Capacity capacity_;
    mutable std::mutex mutex_;
    std::vector<int> slots_;  // by series id: -2 not looked up, -1 not watched, else window
    std::vector<Window> windows_;
    std::vector<std::size_t> touched_;  // windows with news since the last take()
    profiler::RunId run_ = 0;
    bool switched_ = false;
    bool have_origin_ = false;
    std::int64_t origin_ns_ = 0;
};

}  // namespace sparq::ui

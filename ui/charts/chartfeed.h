#pragma once
// ChartFeed: the UI's subscriber on the metric bus. The bus's consumer thread hands it
// samples; it keeps, per watched series of the run on show, a decimated window of at most
// `capacity` points, and collects the points added since the last take(). A QTimer on the
// UI thread calls take() (a few swaps under the lock) and draws what it got. A feed made
// from a SeriesPattern watches a family of series whose names are not known in advance
// (one per layer, "quant/<layer>/error"): each one gets a slot when it first shows up.
// Points run along time by default, or along the samples' steps (optimizer steps).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "charts/decimatedwindow.h"
#include "sparq/profiler/metric_bus.h"
#include "sparq/profiler/run_store.h"
#include "sparq/profiler/sample.h"

namespace sparq::ui {

class ChartFeed : public profiler::MetricSubscriber {
public:
    /// What a point's x is.
    enum class XAxis {
        Seconds,  // since the run's first sample seen here
        Step,     // the sample's step
    };
    struct Point {
        double x = 0.0;
        double y = 0.0;
    };
    /// What changed in one series since the last take().
    struct SeriesUpdate {
        bool reset = false;         // drop what was drawn before, then add `points`
        std::vector<Point> points;  // in time order
    };
    struct Update {
        profiler::RunId run = 0;           // run on show (0 = none yet)
        std::vector<SeriesUpdate> series;  // one per watched series, in slot order
        /// Names of the slots added since the last take(); they are the last entries of
        /// `series` (pattern feeds only).
        std::vector<std::string> added;
        bool empty() const;
    };
    /// Names made of `prefix`, at least one character, then `suffix`.
    struct SeriesPattern {
        std::string prefix;
        std::string suffix;
        bool matches(std::string_view name) const;
    };

    /// Interns the watched series names once and subscribes to the bus.
    ChartFeed(profiler::MetricBus& bus, std::vector<std::string> series_names,
              std::size_t capacity = 2000, XAxis x_axis = XAxis::Seconds);
    /// A feed of every series matching `pattern`, in the order they first arrive. Slots are
    /// never removed: a slot that gets no sample of the run on show stays empty.
    static std::unique_ptr<ChartFeed> matching(profiler::MetricBus& bus, SeriesPattern pattern,
                                               std::size_t capacity = 2000, XAxis x_axis = XAxis::Seconds);
    /// A recorded series' points along its steps, in time order (what a live feed would have
    /// delivered: a job that starts its steps over, one seed after another, stays in order).
    static std::vector<Point> recordedPoints(const profiler::SeriesPoints& series);
    ~ChartFeed() override;  // unsubscribes; no call arrives afterwards
    ChartFeed(const ChartFeed&) = delete;
    ChartFeed& operator=(const ChartFeed&) = delete;

    /// Shows `run` from now on (clearing the windows when it differs from the run on show).
    /// Samples of a newer run (a larger id) always switch the feed to that run, so a job's
    /// first samples are kept even when they arrive before its id reaches the UI.
    void set_run(profiler::RunId run);
    profiler::RunId run() const;

    /// Bus consumer thread.
    void on_samples(const profiler::Sample* samples, std::size_t count) override;

    /// UI thread: takes the points gathered since the last call.
    Update take();

    std::size_t capacity() const { return capacity_; }
    /// The watched names, in slot order.
    std::vector<std::string> series_names() const;

private:
    // Behind matching(). Not an overload of the public constructor: a braced pair of names
    // would convert to either argument type.
    ChartFeed(SeriesPattern pattern, profiler::MetricBus& bus, std::size_t capacity, XAxis x_axis);

    using Window = DecimatedWindow<Point>;
    void switch_to(profiler::RunId run);  // mutex_ held
    /// Slot of a series id, adding one when the id's name matches the pattern; -1 when the
    /// series is not watched. mutex_ held.
    int slot_of(profiler::SeriesId id);

    profiler::MetricBus& bus_;
    std::size_t capacity_;
    XAxis x_axis_ = XAxis::Seconds;
    bool by_pattern_ = false;
    SeriesPattern pattern_;

    mutable std::mutex mutex_;
    std::vector<std::string> names_;
    std::vector<profiler::SeriesId> ids_;
    std::vector<bool> rejected_;       // by series id: looked up, does not match the pattern
    std::size_t reported_ = 0;         // slots whose names went out with an Update
    profiler::RunId run_ = 0;
    bool have_t0_ = false;
    std::int64_t t0_ns_ = 0;
    std::vector<Window> windows_;
};

}  // namespace sparq::ui

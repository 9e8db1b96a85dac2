#pragma once
// Alerts: rules on any series, evaluated sample by sample as they stream.
//
//   Above / Below  the value is past a threshold, sustained for a duration
//   Outside        the value is out of a [low, high] band, sustained for a duration
//   DropFromBest   the value fell more than `drop` below the best seen so far (accuracy)
//   RelativeDrop   the value fell more than the fraction `drop` below the highest value of
//                  the last `window_ns` (throughput collapsing)
//
// An alert fires once when its condition has held for `sustain_ns` (by sample time) and
// clears at the first sample where it no longer holds. State is kept per (rule, series,
// run), so one rule with a pattern ("quant/*/error") watches every matching series.
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "sparq/profiler/metric_bus.h"

namespace sparq::profiler {

class RunStore;

struct AlertRule {
    enum class Kind { Above, Below, Outside, DropFromBest, RelativeDrop };
    std::string name;     // "quantization error", shown to the user
    std::string series;   // a series name, or a pattern where '*' matches any text
    Kind kind = Kind::Above;
    double threshold = 0;            // Above, Below
    double low = 0, high = 0;        // Outside
    double drop = 0;                 // DropFromBest: absolute; RelativeDrop: fraction
    std::int64_t window_ns = 0;      // RelativeDrop
    std::int64_t sustain_ns = 0;     // how long the condition must hold before firing
    std::string level = "warning";   // warning | error
};

struct AlertEvent {
    RunId run = 0;
    bool fired = true;               // false: the alert cleared
    std::string rule, series, level, message;
    double value = 0;
    std::int64_t step = 0, time_ns = 0;
};

/// Whether `name` matches `pattern` ('*' matches any run of characters, nothing else is
/// special).
bool series_matches(const std::string& pattern, const std::string& name);

/// The default rules: gated layers' activation rate outside [low, high], any quantization error
/// above 0.05, test accuracy more than 2 points below its best, and for a job on a GPU
/// (`gpu`) the GPU busy under 50% for 10 s.
std::vector<AlertRule> default_alert_rules(double activation_low, double activation_high, bool gpu);

/// Evaluates rules over samples fed in time order; no threads, no bus.
class AlertEngine {
public:
    explicit AlertEngine(std::vector<AlertRule> rules);
    const std::vector<AlertRule>& rules() const { return rules_; }
    /// Indices of the rules watching a series name.
    std::vector<std::size_t> rules_for(const std::string& series) const;
    /// Feeds one sample of `series` to rule `r`; appends a fired or cleared event to `out`.
    void feed(std::size_t r, RunId run, const std::string& series, std::int64_t step,
              std::int64_t time_ns, double value, std::vector<AlertEvent>& out);
    /// Convenience: feeds the sample to every rule watching the series.
    void feed(RunId run, const std::string& series, std::int64_t step, std::int64_t time_ns,
              double value, std::vector<AlertEvent>& out);
    /// Alerts currently active.
    std::size_t active() const;

private:
    struct State {
        bool active = false;
        bool pending = false;            // condition holding, not yet for sustain_ns
        std::int64_t since_ns = 0;
        double best = 0;
        bool has_best = false;
        std::deque<std::pair<std::int64_t, double>> window;  // (time, value), values decreasing
    };
    bool condition(const AlertRule& rule, State& st, std::int64_t time_ns, double value);
    std::vector<AlertRule> rules_;
    std::map<std::tuple<std::size_t, std::string, RunId>, State> states_;
};

/// Watches one run's samples on a bus and reports alerts: to the callback (on the bus's
/// consumer thread) and, with a store, as events of the run (kind "alert" when fired,
/// "alert_cleared" when cleared).
class AlertMonitor final : public MetricSubscriber {
public:
    AlertMonitor(MetricBus& bus, RunId run, std::vector<AlertRule> rules, RunStore* store,
                 std::function<void(const AlertEvent&)> callback);
    ~AlertMonitor() override;  // unsubscribes; no callback after it returns
    AlertMonitor(const AlertMonitor&) = delete;
    AlertMonitor& operator=(const AlertMonitor&) = delete;

    void on_samples(const Sample* samples, std::size_t count) override;
    std::size_t fired() const;

private:
    MetricBus& bus_;
    RunId run_;
    RunStore* store_;
    std::function<void(const AlertEvent&)> callback_;
    AlertEngine engine_;
    std::vector<std::vector<std::size_t>> rules_by_series_;  // indexed by SeriesId
    std::vector<bool> resolved_;
    std::vector<AlertEvent> events_;
    std::size_t fired_ = 0;
    mutable std::mutex mutex_;
};

}  // namespace sparq::profiler

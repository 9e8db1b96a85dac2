#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "common/temp_dir.h"
#include "sparq/profiler/alerts.h"
#include "sparq/profiler/metric_bus.h"
#include "sparq/profiler/run_store.h"

using namespace sparq::profiler;

namespace {

constexpr std::int64_t kSec = 1'000'000'000;

// Feeds values at one sample per second; returns "F<i>" / "C<i>" for each event at sample i.
std::vector<std::string> run_rule(const AlertRule& rule, const std::vector<double>& values,
                                  const std::string& series = "s") {
    AlertRule watched = rule;
    watched.series = series;
    AlertEngine engine({watched});
    std::vector<std::string> got;
    std::vector<AlertEvent> events;
    for (std::size_t i = 0; i < values.size(); ++i) {
        events.clear();
        engine.feed(1, series, std::int64_t(i), std::int64_t(i) * kSec, values[i], events);
        for (const auto& e : events) got.push_back((e.fired ? "F" : "C") + std::to_string(i));
    }
    return got;
}

}  // namespace

TEST(Alerts, PatternsMatchSeriesNames) {
    EXPECT_TRUE(series_matches("quant/*/error", "quant/fc1/error"));
    EXPECT_TRUE(series_matches("quant/*/error", "quant/conv.0/sub/error"));
    EXPECT_FALSE(series_matches("quant/*/error", "quant/fc1/error_max"));
    EXPECT_TRUE(series_matches("sparsity/gated*/active_fraction", "sparsity/gated0/active_fraction"));
    EXPECT_FALSE(series_matches("test/accuracy", "test/accuracy2"));
    EXPECT_TRUE(series_matches("*", "anything"));
    EXPECT_TRUE(series_matches("a*b*c", "aXbYbZc"));
}

TEST(Alerts, AboveFiresAndClearsAtTheRightSamples) {
    AlertRule r;
    r.name = "q";
    r.kind = AlertRule::Kind::Above;
    r.threshold = 0.05;
    EXPECT_EQ(run_rule(r, {0.01, 0.06, 0.07, 0.05, 0.02, 0.2}),
              (std::vector<std::string>{"F1", "C3", "F5"}));  // 0.05 is not above 0.05
}

TEST(Alerts, SustainedConditionsFireOnlyAfterTheDuration) {
    AlertRule r;
    r.name = "idle";
    r.kind = AlertRule::Kind::Below;
    r.threshold = 0.5;
    r.sustain_ns = 3 * kSec;
    // Below from sample 1: holds 3 s at sample 4. A blip at 6 resets; below again 7..9 is 2 s.
    EXPECT_EQ(run_rule(r, {0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.9, 0.2, 0.2, 0.2, 0.9}),
              (std::vector<std::string>{"F4", "C6"}));
}

TEST(Alerts, OutsideABand) {
    AlertRule r;
    r.name = "act";
    r.kind = AlertRule::Kind::Outside;
    r.low = 0.2;
    r.high = 0.3;
    EXPECT_EQ(run_rule(r, {0.25, 0.31, 0.29, 0.19, 0.2, 0.3}), (std::vector<std::string>{"F1", "C2", "F3", "C4"}));
}

TEST(Alerts, AccuracyFallingTwoPointsFromItsBest) {
    AlertRule r;
    r.name = "decay";
    r.kind = AlertRule::Kind::DropFromBest;
    r.drop = 0.02;
    // best 0.88 at 2; 0.86 is exactly 2 points (no alert); 0.855 fires; a new best clears.
    EXPECT_EQ(run_rule(r, {0.80, 0.85, 0.88, 0.86, 0.855, 0.87, 0.89}),
              (std::vector<std::string>{"F4", "C5"}));
}

TEST(Alerts, RelativeDropOverAWindow) {
    AlertRule r;
    r.name = "throughput";
    r.kind = AlertRule::Kind::RelativeDrop;
    r.drop = 0.3;
    r.window_ns = 3 * kSec;
    // The window is [t - 3 s, t]. 60 < 0.7 * 100 fires at 3; at 5 the window still holds 95
    // (t = 2) and 60 < 66.5; at 6 only 60s are left, so it clears.
    EXPECT_EQ(run_rule(r, {90, 100, 95, 60, 60, 60, 60}), (std::vector<std::string>{"F3", "C6"}));
}

TEST(Alerts, StatePerSeriesAndRun) {
    AlertRule r;
    r.name = "q";
    r.series = "quant/*/error";
    r.kind = AlertRule::Kind::Above;
    r.threshold = 0.05;
    AlertEngine engine({r});
    std::vector<AlertEvent> ev;
    engine.feed(1, "quant/a/error", 0, 0, 0.1, ev);
    engine.feed(1, "quant/b/error", 0, 0, 0.1, ev);
    engine.feed(2, "quant/a/error", 0, 0, 0.1, ev);
    engine.feed(1, "train/loss", 0, 0, 9.0, ev);
    ASSERT_EQ(ev.size(), 3u);
    EXPECT_EQ(engine.active(), 3u);
    EXPECT_EQ(ev[1].series, "quant/b/error");
    EXPECT_NE(ev[0].message.find("quant/a/error"), std::string::npos) << ev[0].message;
}

TEST(Alerts, DefaultsCoverTheIssuesRules) {
    const auto rules = default_alert_rules(0.2, 0.3, /*gpu=*/true);
    AlertEngine engine(rules);
    EXPECT_EQ(engine.rules_for("quant/fc1/error").size(), 1u);
    EXPECT_EQ(engine.rules_for("test/accuracy").size(), 1u);
    EXPECT_EQ(engine.rules_for("gpu/busy").size(), 1u);
    EXPECT_EQ(engine.rules_for("sparsity/gated1/active_fraction").size(), 1u);
    EXPECT_TRUE(engine.rules_for("train/loss").empty());
}

// A job on the CPU has no GPU to be idle: the GPU rule is not among its rules.
TEST(Alerts, ACpuJobHasNoGpuRule) {
    AlertEngine engine(default_alert_rules(0.2, 0.3, /*gpu=*/false));
    EXPECT_TRUE(engine.rules_for("gpu/busy").empty());
    EXPECT_EQ(engine.rules_for("test/accuracy").size(), 1u);
}

// Through the bus into the store: fired and cleared alerts become events of the run.
TEST(Alerts, TheMonitorStoresEventsOfItsRunOnly) {
    sparq::test::TempDir dir;
    const std::string db = dir.file("h.db");
    MetricBus bus;
    auto store = RunStore::open({db});
    const RunId run = store->create_run({"r", "train", "", "{}"});
    const RunId other = store->create_run({"o", "train", "", "{}"});
    std::vector<AlertEvent> seen;
    std::mutex m;
    {
        AlertMonitor monitor(bus, run, default_alert_rules(0.2, 0.3, false), store.get(), [&](const AlertEvent& e) {
            std::lock_guard lock(m);
            seen.push_back(e);
        });
        Producer out = bus.make_producer();
        const SeriesId acc = bus.series().intern("test/accuracy");
        const SeriesId qe = bus.series().intern("quant/fc1/error");
        for (double a : {0.80, 0.85, 0.82, 0.86}) out.publish(run, acc, 0, a);  // fires at 0.82, clears at 0.86
        out.publish(other, qe, 0, 0.5);                                          // another run: ignored
        out.publish(run, qe, 0, 0.01);
        bus.flush();
        EXPECT_EQ(monitor.fired(), 1u);
    }
    store->flush();
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_TRUE(seen[0].fired);
    EXPECT_EQ(seen[0].rule, "test accuracy decay");
    EXPECT_DOUBLE_EQ(seen[0].value, 0.82);
    EXPECT_FALSE(seen[1].fired);
    RunReader reader(db);
    const auto events = reader.events(run);
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].kind, "alert");
    EXPECT_EQ(events[0].level, "error");
    EXPECT_NE(events[0].message.find("test accuracy decay"), std::string::npos);
    EXPECT_EQ(events[1].kind, "alert_cleared");
    EXPECT_TRUE(reader.events(other).empty());
}

#include "sparq/profiler/alerts.h"

#include <cstdio>

#include "sparq/profiler/run_store.h"

namespace sparq::profiler {

bool series_matches(const std::string& pattern, const std::string& name) {
    // Iterative glob with one backtrack point: linear for the patterns used here.
    std::size_t p = 0, n = 0, star = std::string::npos, mark = 0;
    while (n < name.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            mark = n;
        } else if (p < pattern.size() && pattern[p] == name[n]) {
            ++p;
            ++n;
        } else if (star != std::string::npos) {
            p = star + 1;
            n = ++mark;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

std::vector<AlertRule> default_alert_rules(double activation_low, double activation_high, bool gpu) {
    using K = AlertRule::Kind;
    std::vector<AlertRule> rules;
    AlertRule act;
    act.name = "activation rate out of band";
    act.series = "sparsity/gated*/active_fraction";
    act.kind = K::Outside;
    act.low = activation_low;
    act.high = activation_high;
    act.sustain_ns = 2'000'000'000;
    rules.push_back(act);
    AlertRule q;
    q.name = "quantization error";
    q.series = "quant/*/error";
    q.kind = K::Above;
    q.threshold = 0.05;
    rules.push_back(q);
    AlertRule acc;
    acc.name = "test accuracy decay";
    acc.series = "test/accuracy";
    acc.kind = K::DropFromBest;
    acc.drop = 0.02;
    acc.level = "error";
    rules.push_back(acc);
    if (gpu) {
        AlertRule idle;
        idle.name = "GPU mostly idle";
        idle.series = "gpu/busy";
        idle.kind = K::Below;
        idle.threshold = 0.5;
        idle.sustain_ns = 10'000'000'000;
        rules.push_back(idle);
    }
    return rules;
}

AlertEngine::AlertEngine(std::vector<AlertRule> rules) : rules_(std::move(rules)) {}

std::vector<std::size_t> AlertEngine::rules_for(const std::string& series) const {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < rules_.size(); ++i)
        if (series_matches(rules_[i].series, series)) out.push_back(i);
    return out;
}

bool AlertEngine::condition(const AlertRule& rule, State& st, std::int64_t t, double v) {
    using K = AlertRule::Kind;
    switch (rule.kind) {
        case K::Above: return v > rule.threshold;
        case K::Below: return v < rule.threshold;
        case K::Outside: return v < rule.low || v > rule.high;
        case K::DropFromBest: {
            if (!st.has_best || v > st.best) {
                st.best = v;
                st.has_best = true;
            }
            return st.best - v > rule.drop + 1e-12;  // "more than": 0.88 - 0.86 is not
        }
        case K::RelativeDrop: {
            // Sliding-window maximum: a deque of decreasing values.
            while (!st.window.empty() && st.window.front().first < t - rule.window_ns) st.window.pop_front();
            const double peak = st.window.empty() ? v : std::max(st.window.front().second, v);
            while (!st.window.empty() && st.window.back().second <= v) st.window.pop_back();
            st.window.emplace_back(t, v);
            return peak > 0 && v < peak * (1.0 - rule.drop);
        }
    }
    return false;
}

void AlertEngine::feed(std::size_t r, RunId run, const std::string& series, std::int64_t step,
                       std::int64_t time_ns, double value, std::vector<AlertEvent>& out) {
    const AlertRule& rule = rules_[r];
    State& st = states_[{r, series, run}];
    const bool holds = condition(rule, st, time_ns, value);
    auto event = [&](bool fired) {
        AlertEvent e;
        e.run = run;
        e.fired = fired;
        e.rule = rule.name;
        e.series = series;
        e.level = fired ? rule.level : "info";
        e.value = value;
        e.step = step;
        e.time_ns = time_ns;
        char buf[96];
        std::snprintf(buf, sizeof buf, "%.4g at step %lld", value, static_cast<long long>(step));
        e.message = (fired ? "alert: " : "cleared: ") + rule.name + " (" + series + " = " + buf + ")";
        out.push_back(std::move(e));
    };
    if (!holds) {
        st.pending = false;
        if (st.active) {
            st.active = false;
            event(false);
        }
        return;
    }
    if (st.active) return;
    if (!st.pending) {
        st.pending = true;
        st.since_ns = time_ns;
    }
    if (time_ns - st.since_ns >= rule.sustain_ns) {
        st.active = true;
        st.pending = false;
        event(true);
    }
}

void AlertEngine::feed(RunId run, const std::string& series, std::int64_t step, std::int64_t time_ns,
                       double value, std::vector<AlertEvent>& out) {
    for (std::size_t r : rules_for(series)) feed(r, run, series, step, time_ns, value, out);
}

std::size_t AlertEngine::active() const {
    std::size_t n = 0;
    for (const auto& [key, st] : states_) n += st.active;
    return n;
}

// ---------------------------------------------------------------- AlertMonitor

AlertMonitor::AlertMonitor(MetricBus& bus, RunId run, std::vector<AlertRule> rules, RunStore* store,
                           std::function<void(const AlertEvent&)> callback)
    : bus_(bus), run_(run), store_(store), callback_(std::move(callback)), engine_(std::move(rules)) {
    bus_.subscribe(this);
}

AlertMonitor::~AlertMonitor() { bus_.unsubscribe(this); }

void AlertMonitor::on_samples(const Sample* samples, std::size_t count) {
    std::lock_guard lock(mutex_);  // the consumer thread only; guards fired_ for readers
    for (std::size_t i = 0; i < count; ++i) {
        const Sample& s = samples[i];
        if (RunId(s.run) != run_) continue;
        if (s.series >= resolved_.size()) {
            resolved_.resize(s.series + 1, false);
            rules_by_series_.resize(s.series + 1);
        }
        if (!resolved_[s.series]) {  // once per series: names are looked up, then cached
            rules_by_series_[s.series] = engine_.rules_for(bus_.series().name(s.series));
            resolved_[s.series] = true;
        }
        const auto& rules = rules_by_series_[s.series];
        if (rules.empty()) continue;
        const std::string name = bus_.series().name(s.series);
        for (std::size_t r : rules) engine_.feed(r, run_, name, s.step, s.time_ns, s.value, events_);
    }
    for (const AlertEvent& e : events_) {
        if (e.fired) ++fired_;
        if (store_) store_->add_event(run_, e.level, e.fired ? "alert" : "alert_cleared", e.message);
        if (callback_) callback_(e);
    }
    events_.clear();
}

std::size_t AlertMonitor::fired() const {
    std::lock_guard lock(mutex_);
    return fired_;
}

}  // namespace sparq::profiler

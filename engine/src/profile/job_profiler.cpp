#include "profile/job_profiler.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "sparq/profiler/alerts.h"
#include "sparq/profiler/gpu_collectors.h"
#include "sparq/profiler/process_sampler.h"
#include "sparq/profiler/run_store.h"

namespace sparq::engine::profile {

namespace {

// The activation band of a gated model's configuration; an empty band for dense models.
std::pair<double, double> activation_band(const std::string& config_json) {
    const auto j = nlohmann::json::parse(config_json.empty() ? "{}" : config_json, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("active_fraction")) return {0.0, 1.0};
    const double target = j.value("active_fraction", 0.25), band = j.value("active_band", 0.05);
    return {target - band, target + band};
}

}  // namespace

JobProfiler::JobProfiler(profiler::MetricBus& bus, profiler::RunStore* store, profiler::RunId run,
                         const ProfileOptions& options, const std::string& config_json, JobSink& sink,
                         const Device& device)
    : bus_(bus), store_(store), run_(run), options_(options) {
    std::string cpu = "process, cores, memory";
    process_ = std::make_unique<profiler::ProcessSampler>(bus, run);
    started_ = std::chrono::steady_clock::now();
    if (options.ops) {
        ops_at_start_ = OpProfiler::instance().snapshot();
        // A full window keeps the callbacks for the whole job; a partial one lets the
        // publishing thread install them for a slice of each period.
        if (options_.ops_window >= 1.0) ops_scope_ = std::make_unique<OpProfilerScope>();
        ops_thread_ = std::thread([this] { publish_ops_loop(); });
        cpu += options_.ops_window >= 1.0
                   ? ", ops"
                   : ", ops (" + std::to_string(int(options_.ops_window * 100 + 0.5)) + "% of the time)";
    }

    // The GPU's collectors watch a job that runs on it, and only such a job.
    std::string gpu;
    if (!options.gpu) {
        gpu = "off";
    } else if (!device.cuda) {
        gpu = "none (the job runs on the CPU: CPU collectors only)";
    } else {
        std::string why;
        cupti_ = profiler::CuptiCollector::start(bus, run, options.period_ms, &why);
        gpu = cupti_ ? "CUPTI activity" : "CUPTI off: " + why;
        why.clear();
        nvml_ = profiler::NvmlSampler::start(bus, run, device.index, 100, &why);
        gpu += nvml_ ? ", NVML" : "; NVML off: " + why;
    }
    status_ = "profiler: CPU " + cpu + " · GPU " + gpu;

    if (options.alerts) {
        const auto [low, high] = activation_band(config_json);
        alerts_ = std::make_unique<profiler::AlertMonitor>(
            bus, run, profiler::default_alert_rules(low, high, device.cuda && options.gpu), store,
            [&sink](const profiler::AlertEvent& e) {
                AlertReport r;
                r.run_id = e.run;
                r.fired = e.fired;
                r.rule = e.rule;
                r.series = e.series;
                r.level = e.level;
                r.message = e.message;
                r.value = e.value;
                r.step = e.step;
                r.time_ns = e.time_ns;
                sink.on_alert(r);
            });
    }
    sink.on_log("info", status_);
    if (store_) store_->add_event(run_, "info", "profiler", status_);
}

JobProfiler::~JobProfiler() {
    {
        std::lock_guard lock(mutex_);
        stop_.store(true);
    }
    wake_.notify_all();
    if (ops_thread_.joinable()) ops_thread_.join();
    cupti_.reset();
    nvml_.reset();
    process_.reset();
    // The job's last samples (its final accuracy, the collectors' last ones) still go
    // through the alert rules.
    bus_.flush();
    alerts_.reset();
    if (options_.ops && store_) {
        // The job's operator table, kept with the run: the operators observed during the
        // recording windows, the share of the job they cover in the "coverage" event.
        nlohmann::json top = nlohmann::json::array();
        for (const auto& o : ops()) {
            if (top.size() == 25) break;
            top.push_back({{"op", o.name}, {"calls", o.calls}, {"self_ms", double(o.self_ns) / 1e6},
                           {"total_ms", double(o.total_ns) / 1e6}});
        }
        store_->add_event(run_, "info", "ops", top.dump());
        char coverage[96];
        std::snprintf(coverage, sizeof coverage, "operators recorded during %.1f%% of the job", 100.0 * ops_coverage());
        store_->add_event(run_, "info", "ops-coverage", coverage);
    }
    ops_scope_.reset();
}

std::vector<OpStats> JobProfiler::ops() const {
    return ops_between(ops_at_start_, OpProfiler::instance().snapshot());
}

double JobProfiler::ops_coverage() const {
    if (!options_.ops) return 0.0;
    const auto elapsed = std::chrono::steady_clock::now() - started_;
    if (options_.ops_window >= 1.0) return 1.0;
    const double total = double(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count());
    return total > 0 ? std::min(1.0, double(ops_recorded_ns_.load(std::memory_order_relaxed)) / total) : 0.0;
}

// Cumulative per-op counters since the job started, every period: a chart or a range
// selection takes differences.
void JobProfiler::publish_ops_loop() {
    profiler::Producer out = bus_.make_producer();
    std::unordered_map<std::string, std::pair<profiler::SeriesId, profiler::SeriesId>> ids;
    const profiler::SeriesId dropped = bus_.series().intern("ops/dropped");
    const profiler::SeriesId coverage = bus_.series().intern("ops/coverage");
    using Clock = std::chrono::steady_clock;
    const auto period = std::chrono::milliseconds(options_.period_ms);
    const bool windowed = options_.ops_window < 1.0;
    const auto window = std::chrono::duration_cast<Clock::duration>(period * std::clamp(options_.ops_window, 0.01, 1.0));
    auto wait = [&](Clock::duration d) {
        std::unique_lock lock(mutex_);
        return wake_.wait_for(lock, d, [&] { return stop_.load(); });
    };
    std::int64_t step = 0;
    for (bool stopping = false; !stopping;) {
        // The last pass runs after the stop, so a job shorter than a period still has its
        // operators published.
        if (windowed) {
            // Record for the first slice of the period. The job's first period always
            // starts recording, so a short job is seen too.
            const auto on = Clock::now();
            OpProfiler::instance().start();
            stopping = wait(window);
            OpProfiler::instance().stop();
            ops_recorded_ns_.fetch_add(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - on).count(),
                                       std::memory_order_relaxed);
            if (!stopping) stopping = wait(period - window);
        } else {
            stopping = wait(period);
        }
        for (const OpStats& o : ops()) {
            auto it = ids.find(o.name);
            if (it == ids.end())
                it = ids.emplace(o.name, std::make_pair(bus_.series().intern("ops/" + o.name + "/self_ms"),
                                                        bus_.series().intern("ops/" + o.name + "/calls")))
                         .first;
            out.publish(run_, it->second.first, step, double(o.self_ns) / 1e6);
            out.publish(run_, it->second.second, step, double(o.calls));
        }
        out.publish(run_, dropped, step, double(OpProfiler::instance().dropped()));
        out.publish(run_, coverage, step, ops_coverage());
        ++step;
    }
}

}  // namespace sparq::engine::profile

#include "profile/profilehistory.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <map>
#include <numeric>
#include <set>

#include <QCoreApplication>

#include "profile/profileseries.h"
#include "sparq/profiler/run_store.h"

namespace sparq::ui {
namespace {

QString tr(const char* text) { return QCoreApplication::translate("sparq::ui::ProfileHistory", text); }

QString runTitle(const profiler::RunRecord& r) {
    return tr("Run %1 · %2 · %3 · %4")
        .arg(r.id)
        .arg(QString::fromStdString(r.name), QString::fromStdString(r.kind), QString::fromStdString(r.status));
}

// The steady-clock time of the sample of `s` at `step` whose value is nearest to `value`.
std::optional<std::int64_t> sampleTime(const profiler::SeriesPoints& s, std::int64_t step, double value) {
    std::optional<std::int64_t> best;
    double distance = std::numeric_limits<double>::infinity();
    const std::size_t n = std::min({s.step.size(), s.time_ns.size(), s.value.size()});
    for (std::size_t i = 0; i < n; ++i) {
        if (s.step[i] != step) continue;
        const double d = std::isnan(value) ? 0.0 : std::abs(s.value[i] - value);
        if (!best || d < distance) {
            best = s.time_ns[i];
            distance = d;
        }
    }
    return best;
}

}  // namespace

ProfileRunList readProfileRuns(const std::string& dbPath) {
    ProfileRunList out;
    try {
        profiler::RunReader reader(dbPath);
        for (const profiler::RunRecord& r : reader.list_runs()) out.runs.push_back({r.id, runTitle(r)});
    } catch (const std::exception& e) {
        out.error = QString::fromUtf8(e.what());
    }
    return out;
}

RecordedProfile readRecordedProfile(const std::string& dbPath, qint64 run) {
    RecordedProfile out;
    out.run = run;
    try {
        profiler::RunReader reader(dbPath);
        const auto record = reader.run(run);
        if (!record) {
            out.error = tr("run %1 is not in the history").arg(run);
            return out;
        }
        out.title = runTitle(*record);

        // The events first: the alerts name the series whose samples place them.
        struct PendingAlert {
            profiler::RunEvent event;
            std::optional<AlertMessage> message;
        };
        std::vector<PendingAlert> pending;
        std::int64_t wallOrigin = record->started_ns;
        std::set<std::string> alertSeries;
        for (profiler::RunEvent& e : reader.events(run)) {
            if (e.kind == "profiler") {
                out.status = QString::fromStdString(e.message);
                wallOrigin = e.time_ns;  // the collectors start right after it
            } else if (e.kind == "alert" || e.kind == "alert_cleared") {
                auto message = parseAlertMessage(QString::fromStdString(e.message));
                if (message) alertSeries.insert(message->series.toStdString());
                pending.push_back({std::move(e), std::move(message)});
            }
        }

        std::vector<std::string> names;
        std::set<std::string> kept;
        for (std::string& name : reader.series_names(run)) {
            const bool keep = profileCapacity(name) > 0;
            if (keep) kept.insert(name);
            if (keep || alertSeries.count(name)) names.push_back(std::move(name));
        }
        std::vector<profiler::SeriesPoints> loaded;
        if (!names.empty()) loaded = reader.load_series(run, names);  // no names would load them all

        // The origin: the first sample of the series the view keeps (of any loaded one when
        // it keeps none), as a live feed would have seen it.
        std::int64_t origin = std::numeric_limits<std::int64_t>::max();
        for (bool keptOnly : {true, false}) {
            for (const profiler::SeriesPoints& s : loaded)
                if (!keptOnly || kept.count(s.name))
                    for (std::int64_t t : s.time_ns) origin = std::min(origin, t);
            if (origin != std::numeric_limits<std::int64_t>::max()) break;
        }
        const bool haveOrigin = origin != std::numeric_limits<std::int64_t>::max();
        const auto seconds = [&](std::int64_t t) { return double(t - origin) * 1e-9; };

        std::map<std::string, const profiler::SeriesPoints*> byName;
        for (const profiler::SeriesPoints& s : loaded) {
            byName[s.name] = &s;
            if (!kept.count(s.name)) continue;
            const std::size_t n = std::min({s.step.size(), s.time_ns.size(), s.value.size()});
            std::vector<std::size_t> order(n);
            std::iota(order.begin(), order.end(), std::size_t(0));
            std::stable_sort(order.begin(), order.end(),
                             [&](std::size_t a, std::size_t b) { return s.time_ns[a] < s.time_ns[b]; });
            std::vector<TimedPoint> points;
            points.reserve(n);
            for (std::size_t i : order) points.push_back({seconds(s.time_ns[i]), s.value[i]});
            out.series.emplace_back(s.name, std::move(points));
        }

        for (const PendingAlert& p : pending) {
            TimelineAlert a;
            a.fired = p.event.kind == "alert";
            a.level = QString::fromStdString(p.event.level);
            a.message = QString::fromStdString(p.event.message);
            std::optional<std::int64_t> at;
            if (p.message) {
                a.rule = p.message->rule;
                a.series = p.message->series;
                const auto it = byName.find(p.message->series.toStdString());
                if (haveOrigin && it != byName.end()) at = sampleTime(*it->second, p.message->step, p.message->value);
            }
            a.t = at ? seconds(*at) : double(p.event.time_ns - wallOrigin) * 1e-9;
            out.alerts.push_back(std::move(a));
        }
        std::stable_sort(out.alerts.begin(), out.alerts.end(),
                         [](const TimelineAlert& x, const TimelineAlert& y) { return x.t < y.t; });
    } catch (const std::exception& e) {
        out.error = QString::fromUtf8(e.what());
    }
    return out;
}

}  // namespace sparq::ui

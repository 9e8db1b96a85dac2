#pragma once
// ProfileTimeline: what the Profile view knows of the run on show besides its chart lines,
// all on one time axis (seconds since the run's start): the operators' cumulative counters
// (ops/<op>/self_ms and ops/<op>/calls), the markers for alerts and stage changes, the
// fired and cleared alerts, and the profiler's status line. Plain values, no widgets; the
// free functions read the names and messages the engine and the profiler write.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <QString>

namespace sparq::ui {

/// A point of a series on the Profile view's axis.
struct TimedPoint {
    double t = 0.0;  // seconds since the run's start
    double v = 0.0;
};

/// A vertical line drawn on every chart.
struct TimelineMarker {
    enum class Kind { AlertFired, AlertCleared, Stage };
    Kind kind = Kind::Stage;
    double t = 0.0;
    QString level;    // alerts: warning | error | info (cleared)
    QString label;    // short, drawn at the line's top for stages: "stage 2", "ewc task 3"
    QString toolTip;  // what hovering the line says
    std::string source;  // the series a stage marker came from (empty for alerts)
};

/// An alert of the run on show, fired or cleared.
struct TimelineAlert {
    double t = 0.0;
    bool fired = true;
    QString level;    // warning | error (info when cleared)
    QString rule;     // "quantization error"
    QString series;   // "quant/fc1/error"
    QString message;  // "alert: quantization error (quant/fc1/error = 0.07 at step 12)"
};

/// One operator's share of a time range.
struct OpShare {
    std::string name;    // "aten::addmm"
    double calls = 0.0;  // calls in the range
    double selfMs = 0.0; // self time in the range
    double share = 0.0;  // selfMs over the self time of every operator in the range
};

/// The profiler's status line, taken apart: "profiler: CPU <cpu> · GPU <gpu>".
struct ProfilerStatus {
    QString line;  // as written; empty when the run has none
    QString cpu;   // "process, cores, memory, ops"
    QString gpu;   // "none (the job runs on the CPU: CPU collectors only)", "CUPTI activity, NVML", ...
    bool known() const { return !line.isEmpty(); }
    /// No GPU side at all (no device, or profiling off).
    bool noGpu() const;
    /// Why CUPTI (gpu/*) does not run, or empty when it does (or nothing is known).
    QString cuptiOff() const;
    /// Why NVML (nvml/*) does not run, or empty when it does (or nothing is known).
    QString nvmlOff() const;
};
ProfilerStatus parseProfilerStatus(const QString& line);

/// An alert event's message taken apart: "alert: <rule> (<series> = <value> at step <step>)"
/// or "cleared: ...". nullopt when the message is not one.
struct AlertMessage {
    bool fired = true;
    QString rule, series;
    double value = 0.0;
    std::int64_t step = 0;
};
std::optional<AlertMessage> parseAlertMessage(const QString& message);

/// Stage series: "[<baseline>/]distill/stage" (the value is the stage) and
/// "continual/<method>/task" (the value is the 0-based task starting).
bool isStageSeries(const std::string& name);
/// The marker of a stage series' sample.
TimelineMarker stageMarker(const std::string& series, double t, double value);
/// A marker for an alert.
TimelineMarker alertMarker(const TimelineAlert& alert);

/// The operator of an "ops/<op>/self_ms" or "ops/<op>/calls" series, and which counter it is;
/// false for any other name.
bool parseOpSeries(const std::string& name, std::string& op, bool& selfMs);

/// The value at or before `t` of a cumulative series in time order (0 before its first point:
/// the counters start at zero when the job starts).
double valueAtOrBefore(const std::vector<TimedPoint>& points, double t);

class ProfileTimeline {
public:
    struct OpCounters {
        std::vector<TimedPoint> selfMs;  // cumulative, in time order
        std::vector<TimedPoint> calls;   // cumulative, in time order
    };

    void clear();

    /// Adds points of a series in time order (`reset`: replacing what it had). Ops counters
    /// and stage series are kept; other names are ignored. True when markers changed.
    bool addPoints(const std::string& name, const std::vector<TimedPoint>& points, bool reset);
    /// Adds an alert and its marker.
    void addAlert(const TimelineAlert& alert);
    void setStatus(const QString& line) { status_ = parseProfilerStatus(line); }

    const ProfilerStatus& status() const { return status_; }
    const std::vector<TimelineMarker>& markers() const { return markers_; }
    const std::vector<TimelineAlert>& alerts() const { return alerts_; }
    const std::map<std::string, OpCounters>& ops() const { return ops_; }
    /// The latest time of any point added (0 when none).
    double lastTime() const { return last_; }

    /// Operators of [t0, t1], most self time first (at most `limit`, 0 = all): each counter's
    /// last sample at or before t1 minus its last sample at or before t0. Operators without
    /// a call in the range are left out.
    std::vector<OpShare> topOperators(double t0, double t1, std::size_t limit = 0) const;
    /// Self time of every operator in [t0, t1], in ms.
    double totalSelfMs(double t0, double t1) const;
    /// Share of the job's time, up to `t`, during which operators were recorded (the
    /// ops/coverage series; the job profiler records a slice of each period). Negative when
    /// the run has no such series (recorded in full, or before windows existed).
    double opsCoverageAt(double t) const;

private:
    ProfilerStatus status_;
    std::map<std::string, OpCounters> ops_;
    std::vector<TimedPoint> opsCoverage_;
    std::vector<TimelineMarker> markers_;
    std::vector<TimelineAlert> alerts_;
    double last_ = 0.0;
};

}  // namespace sparq::ui

#include "profile/profiletimeline.h"

#include <algorithm>
#include <cmath>

#include <QCoreApplication>
#include <QRegularExpression>

namespace sparq::ui {
namespace {

QString tr(const char* text) { return QCoreApplication::translate("sparq::ui::ProfileTimeline", text); }

bool endsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool startsWith(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

const std::string kDistillStage = "distill/stage";

// The engine writes the GPU part as "<CUPTI part>, NVML" or "<CUPTI part>; NVML off: <why>",
// the CUPTI part being "CUPTI activity" or "CUPTI off: <why>" (a why may hold "; " itself).
const QString kNvmlOff = QStringLiteral("; NVML off: ");

}  // namespace

bool ProfilerStatus::noGpu() const {
    return gpu.startsWith(QLatin1String("none")) || gpu == QLatin1String("off");
}

QString ProfilerStatus::cuptiOff() const {
    if (noGpu()) return gpu;
    static const QString kOff = QStringLiteral("CUPTI off: ");
    if (!gpu.startsWith(kOff)) return {};
    QString why = gpu.mid(kOff.size());
    const int nvml = why.lastIndexOf(kNvmlOff);
    if (nvml >= 0)
        why.truncate(nvml);
    else if (why.endsWith(QLatin1String(", NVML")))
        why.chop(6);
    return why.trimmed();
}

QString ProfilerStatus::nvmlOff() const {
    if (noGpu()) return gpu;
    const int at = gpu.lastIndexOf(kNvmlOff);
    return at < 0 ? QString() : gpu.mid(at + kNvmlOff.size()).trimmed();
}

ProfilerStatus parseProfilerStatus(const QString& line) {
    ProfilerStatus s;
    s.line = line.trimmed();
    QString rest = s.line;
    if (rest.startsWith(QLatin1String("profiler:"))) rest = rest.mid(9).trimmed();
    const int dot = rest.indexOf(QStringLiteral(" · GPU "));
    QString cpu = dot < 0 ? rest : rest.left(dot);
    if (cpu.startsWith(QLatin1String("CPU "))) cpu = cpu.mid(4);
    s.cpu = cpu.trimmed();
    if (dot >= 0) s.gpu = rest.mid(dot + 7).trimmed();
    return s;
}

std::optional<AlertMessage> parseAlertMessage(const QString& message) {
    // Written by profiler::AlertEngine: "<alert|cleared>: <rule> (<series> = <%.4g> at step <n>)".
    static const QRegularExpression re(
        QStringLiteral(R"(^(alert|cleared): (.+) \((\S+) = (\S+) at step (-?\d+)\)$)"));
    const auto m = re.match(message.trimmed());
    if (!m.hasMatch()) return std::nullopt;
    AlertMessage out;
    out.fired = m.captured(1) == QLatin1String("alert");
    out.rule = m.captured(2);
    out.series = m.captured(3);
    bool ok = false;
    out.value = m.captured(4).toDouble(&ok);
    if (!ok) out.value = std::nan("");
    out.step = m.captured(5).toLongLong();
    return out;
}

bool isStageSeries(const std::string& name) {
    if (name == kDistillStage || (endsWith(name, "/" + kDistillStage))) return true;
    return startsWith(name, "continual/") && endsWith(name, "/task") && name.size() > 15;
}

TimelineMarker stageMarker(const std::string& series, double t, double value) {
    TimelineMarker m;
    m.kind = TimelineMarker::Kind::Stage;
    m.t = t;
    m.source = series;
    const int n = int(std::lround(value));
    if (startsWith(series, "continual/")) {
        const QString method = QString::fromStdString(series.substr(10, series.size() - 10 - 5));
        m.label = tr("%1 task %2").arg(method).arg(n + 1);
        m.toolTip = tr("%1: task %2 starts (%3 s)").arg(method).arg(n + 1).arg(t, 0, 'f', 2);
        return m;
    }
    static const char* const kStages[] = {QT_TRANSLATE_NOOP("sparq::ui::ProfileTimeline", "labels only"),
                                          QT_TRANSLATE_NOOP("sparq::ui::ProfileTimeline", "hint alignment"),
                                          QT_TRANSLATE_NOOP("sparq::ui::ProfileTimeline", "logit distillation"),
                                          QT_TRANSLATE_NOOP("sparq::ui::ProfileTimeline", "adaptive weighting")};
    const QString what = n >= 0 && n < 4 ? tr(kStages[n]) : QString();
    QString who;
    if (series != kDistillStage) {
        who = QString::fromStdString(series.substr(0, series.size() - kDistillStage.size() - 1));
        if (who == QLatin1String("logit_only")) who = tr("logit-only baseline");
        if (who == QLatin1String("alone")) who = tr("labels-only baseline");
    }
    m.label = who.isEmpty() ? tr("stage %1").arg(n) : tr("%1 stage %2").arg(who).arg(n);
    m.toolTip = tr("%1stage %2%3 starts (%4 s)")
                    .arg(who.isEmpty() ? QString() : who + QStringLiteral(": "))
                    .arg(n)
                    .arg(what.isEmpty() ? QString() : QStringLiteral(", ") + what)
                    .arg(t, 0, 'f', 2);
    return m;
}

TimelineMarker alertMarker(const TimelineAlert& a) {
    TimelineMarker m;
    m.kind = a.fired ? TimelineMarker::Kind::AlertFired : TimelineMarker::Kind::AlertCleared;
    m.t = a.t;
    m.level = a.level;
    m.label = a.rule;
    m.toolTip = a.fired ? tr("%1 at %2 s: %3").arg(a.level, QString::number(a.t, 'f', 2), a.message)
                        : tr("cleared at %1 s: %2").arg(QString::number(a.t, 'f', 2), a.message);
    return m;
}

bool parseOpSeries(const std::string& name, std::string& op, bool& selfMs) {
    static const std::string kPrefix = "ops/", kSelf = "/self_ms", kCalls = "/calls";
    if (!startsWith(name, kPrefix)) return false;
    const std::string* suffix = endsWith(name, kSelf) ? &kSelf : endsWith(name, kCalls) ? &kCalls : nullptr;
    if (!suffix || name.size() <= kPrefix.size() + suffix->size()) return false;
    op = name.substr(kPrefix.size(), name.size() - kPrefix.size() - suffix->size());
    selfMs = suffix == &kSelf;
    return true;
}

double valueAtOrBefore(const std::vector<TimedPoint>& points, double t) {
    const auto after = std::upper_bound(points.begin(), points.end(), t,
                                        [](double x, const TimedPoint& p) { return x < p.t; });
    return after == points.begin() ? 0.0 : std::prev(after)->v;
}

void ProfileTimeline::clear() { *this = ProfileTimeline(); }

bool ProfileTimeline::addPoints(const std::string& name, const std::vector<TimedPoint>& points, bool reset) {
    for (const TimedPoint& p : points) last_ = std::max(last_, p.t);
    std::string op;
    bool self = false;
    if (parseOpSeries(name, op, self)) {
        OpCounters& c = ops_[op];
        std::vector<TimedPoint>& to = self ? c.selfMs : c.calls;
        if (reset) to.clear();
        // The bus may hand a producer's samples over late, but one series comes from one
        // producer and so stays in time order; keep it sorted all the same.
        const bool ordered = to.empty() || points.empty() || points.front().t >= to.back().t;
        to.insert(to.end(), points.begin(), points.end());
        if (!ordered) std::stable_sort(to.begin(), to.end(), [](const TimedPoint& a, const TimedPoint& b) { return a.t < b.t; });
        return false;
    }
    if (name == "ops/coverage") {
        if (reset) opsCoverage_.clear();
        opsCoverage_.insert(opsCoverage_.end(), points.begin(), points.end());
        return false;
    }
    if (!isStageSeries(name)) return false;
    bool changed = false;
    if (reset) {
        const auto from = std::remove_if(markers_.begin(), markers_.end(),
                                         [&](const TimelineMarker& m) { return m.source == name; });
        changed = from != markers_.end();
        markers_.erase(from, markers_.end());
    }
    for (const TimedPoint& p : points) markers_.push_back(stageMarker(name, p.t, p.v));
    return changed || !points.empty();
}

double ProfileTimeline::opsCoverageAt(double t) const {
    if (opsCoverage_.empty()) return -1.0;
    // Before its first point the first value stands: the share over the first period.
    return t < opsCoverage_.front().t ? opsCoverage_.front().v : valueAtOrBefore(opsCoverage_, t);
}

void ProfileTimeline::addAlert(const TimelineAlert& alert) {
    alerts_.push_back(alert);
    markers_.push_back(alertMarker(alert));
}

std::vector<OpShare> ProfileTimeline::topOperators(double t0, double t1, std::size_t limit) const {
    if (t1 < t0) std::swap(t0, t1);
    std::vector<OpShare> out;
    double total = 0.0;
    for (const auto& [name, c] : ops_) {
        OpShare s;
        s.name = name;
        s.selfMs = std::max(0.0, valueAtOrBefore(c.selfMs, t1) - valueAtOrBefore(c.selfMs, t0));
        s.calls = std::max(0.0, valueAtOrBefore(c.calls, t1) - valueAtOrBefore(c.calls, t0));
        total += s.selfMs;
        if (s.calls > 0 || s.selfMs > 0) out.push_back(std::move(s));
    }
    for (OpShare& s : out) s.share = total > 0 ? s.selfMs / total : 0.0;
    std::stable_sort(out.begin(), out.end(), [](const OpShare& a, const OpShare& b) {
        return a.selfMs != b.selfMs ? a.selfMs > b.selfMs : a.calls > b.calls;
    });
    if (limit && out.size() > limit) out.resize(limit);
    return out;
}

double ProfileTimeline::totalSelfMs(double t0, double t1) const {
    if (t1 < t0) std::swap(t0, t1);
    double total = 0.0;
    for (const auto& [name, c] : ops_)
        total += std::max(0.0, valueAtOrBefore(c.selfMs, t1) - valueAtOrBefore(c.selfMs, t0));
    return total;
}

}  // namespace sparq::ui

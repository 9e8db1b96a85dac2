#include "history/runnumbers.h"

#include <cstdlib>
#include <exception>
#include <functional>
#include <initializer_list>
#include <set>

#include <QCoreApplication>

#include "sparq/profiler/compare.h"

namespace sparq::ui {
namespace {

QString tr(const char* text) { return QCoreApplication::translate("sparq::ui::RunNumbers", text); }

// JSON numbers and booleans; strings, arrays and null are not on any axis.
std::optional<double> numberOf(const std::string& json) {
    if (json == "true") return 1.0;
    if (json == "false") return 0.0;
    if (json.empty() || !(json[0] == '-' || (json[0] >= '0' && json[0] <= '9'))) return std::nullopt;
    char* end = nullptr;
    const double v = std::strtod(json.c_str(), &end);
    if (end != json.c_str() + json.size()) return std::nullopt;
    return v;
}

std::map<std::string, double> numericLeaves(const std::string& json, bool dropRunId) {
    std::map<std::string, double> out;
    try {
        for (const auto& [key, value] : profiler::flatten_json(json.empty() ? "{}" : json)) {
            if (dropRunId && key == "run_id") continue;
            if (auto v = numberOf(value)) out.emplace(key, *v);
        }
    } catch (const std::exception&) {
        // Not a JSON object: the run has no numbers to show.
    }
    return out;
}

std::optional<double> firstOf(const std::map<std::string, double>& m, std::initializer_list<const char*> keys) {
    for (const char* k : keys) {
        const auto it = m.find(k);
        if (it != m.end()) return it->second;
    }
    return std::nullopt;
}

}  // namespace

RunNumbers numbersOf(const profiler::RunRecord& run, const RunNumbers* previous) {
    const std::hash<std::string> hash;
    const std::size_t source = hash(run.config_json) * 31 + hash(run.summary_json);
    if (previous && previous->source == source) return *previous;
    return {numericLeaves(run.config_json, false), numericLeaves(run.summary_json, true), source};
}

const std::vector<RunField>& namedMeasures() {
    static const std::vector<RunField> measures = {
        {QStringLiteral("@accuracy"), tr("Test accuracy"), true},
        {QStringLiteral("@latency"), tr("Latency (ms)"), false},
        {QStringLiteral("@size"), tr("Model size (bytes)"), false},
        {QStringLiteral("@active"), tr("Active parameters"), false},
    };
    return measures;
}

bool higherIsBetter(const std::string& key) {
    for (const char* word : {"accuracy", "retention", "speedup", "per_s", "recovered", "agreement", "ratio"})
        if (key.find(word) != std::string::npos) return true;
    return false;
}

std::vector<RunField> numericFields(const std::vector<const RunNumbers*>& numbers, bool summary, bool config) {
    std::set<std::string> summaryKeys, configKeys;
    for (const RunNumbers* n : numbers) {
        if (summary)
            for (const auto& kv : n->summary) summaryKeys.insert(kv.first);
        if (config)
            for (const auto& kv : n->config) configKeys.insert(kv.first);
    }
    std::vector<RunField> out;
    for (const std::string& k : summaryKeys)
        out.push_back({QStringLiteral("summary.") + QString::fromStdString(k), QString::fromStdString(k), higherIsBetter(k)});
    for (const std::string& k : configKeys)
        out.push_back({QStringLiteral("config.") + QString::fromStdString(k), tr("config: %1").arg(QString::fromStdString(k)),
                       false});
    return out;
}

std::optional<double> fieldValue(const QString& id, std::optional<double> testAccuracy, const RunNumbers& n) {
    const auto& s = n.summary;
    if (id == QLatin1String("@accuracy")) return testAccuracy;
    if (id == QLatin1String("@latency"))
        return firstOf(s, {"int8_latency_ms_b1", "latency_ms", "fp32_latency_ms_b1", "step_ms"});
    if (id == QLatin1String("@size")) {
        if (auto bytes = firstOf(s, {"int8_size_bytes", "size_bytes", "fp32_size_bytes"})) return bytes;
        if (auto params = firstOf(s, {"params", "student_params"})) return *params * 4.0;
        return std::nullopt;
    }
    if (id == QLatin1String("@active")) {
        const auto params = firstOf(s, {"params"});
        const auto fraction = firstOf(s, {"active_param_fraction"});
        if (params && fraction && *fraction > 0) return *params * *fraction;
        return firstOf(s, {"active_params", "params", "student_params"});
    }
    const auto lookup = [](const std::map<std::string, double>& m, const QString& key) -> std::optional<double> {
        const auto it = m.find(key.toStdString());
        return it == m.end() ? std::nullopt : std::optional<double>(it->second);
    };
    if (id.startsWith(QLatin1String("summary."))) return lookup(s, id.mid(8));
    if (id.startsWith(QLatin1String("config."))) return lookup(n.config, id.mid(7));
    return std::nullopt;
}

}  // namespace sparq::ui

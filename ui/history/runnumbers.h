#pragma once
// RunNumbers: the numeric leaves of a run's configuration and summary (flattened with
// profiler::flatten_json to dotted keys), read once per history snapshot on the worker that
// lists the runs, so the parallel-coordinates and Pareto charts never parse JSON on the UI
// thread. Also the Pareto chart's named measures (accuracy, latency, size, active parameters),
// which the engine writes under different summary keys per kind of job.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <QString>

#include "sparq/profiler/run_store.h"

namespace sparq::ui {

struct RunNumbers {
    std::map<std::string, double> config;   // numeric leaves (booleans as 0/1)
    std::map<std::string, double> summary;  // numeric leaves, run_id left out
    std::size_t source = 0;                 // hash of the JSON they were read from
};

/// The numbers of one run; malformed JSON gives empty maps. `previous` (the run's numbers in
/// an older snapshot) is reused when the run's JSON has not changed.
RunNumbers numbersOf(const profiler::RunRecord& run, const RunNumbers* previous = nullptr);

using RunNumbersById = std::unordered_map<profiler::RunId, RunNumbers>;
/// The numbers of a history snapshot, shared read-only between the page and its charts.
using SharedRunNumbers = std::shared_ptr<const RunNumbersById>;

/// A quantity a chart can put on an axis: a named measure or one numeric leaf.
struct RunField {
    QString id;     // "@accuracy", "@latency", "@size", "@active", "summary.<key>", "config.<key>"
    QString label;  // what the axis says
    bool higherIsBetter = false;
};

/// The four named measures of the Pareto chart, in menu order.
const std::vector<RunField>& namedMeasures();
/// Every numeric field of these runs: "summary.<key>" and "config.<key>", in key order.
std::vector<RunField> numericFields(const std::vector<const RunNumbers*>& numbers, bool summary, bool config);
/// Whether larger values of a summary key are better (accuracy, retention, speed-up, rate).
bool higherIsBetter(const std::string& summaryKey);

/// The value of a field for a run (its test accuracy and numbers), or nullopt when it has none.
///   @accuracy: the run's test accuracy.
///   @latency:  inference latency in ms (int8_latency_ms_b1, latency_ms, fp32_latency_ms_b1),
///              else the training step time (step_ms).
///   @size:     model bytes (int8_size_bytes, size_bytes, fp32_size_bytes), else 4 bytes per
///              parameter (params, student_params).
///   @active:   parameters active per input: params x active_param_fraction, else
///              active_params, params, student_params.
std::optional<double> fieldValue(const QString& fieldId, std::optional<double> testAccuracy, const RunNumbers& numbers);

}  // namespace sparq::ui

#pragma once
// Comparing runs: configuration differences and Pareto frontiers. Pure functions over
// values already read from the history, shared by the CLI and the GUI.
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sparq::profiler {

/// A JSON object flattened to dotted keys ("optimizer", "spec.hidden"), each mapped to its
/// value as compact JSON text. Arrays stay whole ("[512,256]"): a list is one setting.
/// Throws std::invalid_argument when the text is not a JSON object.
std::map<std::string, std::string> flatten_json(const std::string& json_text);

struct DiffRow {
    std::string key;
    std::vector<std::optional<std::string>> values;  // per document; nullopt = key absent
};
/// The keys whose value is not the same in every document (absent counts as a value), in
/// key order. With `all`, every key.
std::vector<DiffRow> diff_configs(const std::vector<std::string>& json_texts, bool all = false);

struct ParetoPoint {
    double x = 0, y = 0;
};
/// Indices (ascending) of the points that no other point dominates: another point dominates
/// p when it is at least as good in both coordinates and better in one. Each coordinate is
/// maximised or minimised as asked (accuracy up, latency down). Duplicates all stay.
std::vector<std::size_t> pareto_front(const std::vector<ParetoPoint>& points, bool maximize_x, bool maximize_y);

}  // namespace sparq::profiler

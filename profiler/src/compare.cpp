#include "sparq/profiler/compare.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

namespace sparq::profiler {

namespace {

void flatten(const nlohmann::json& j, const std::string& prefix, std::map<std::string, std::string>& out) {
    for (const auto& [key, value] : j.items()) {
        const std::string name = prefix.empty() ? key : prefix + "." + key;
        if (value.is_object() && !value.empty())
            flatten(value, name, out);
        else
            out[name] = value.dump();
    }
}

}  // namespace

std::map<std::string, std::string> flatten_json(const std::string& json_text) {
    const auto j = nlohmann::json::parse(json_text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw std::invalid_argument("not a JSON object: " + json_text.substr(0, 80));
    std::map<std::string, std::string> out;
    flatten(j, "", out);
    return out;
}

std::vector<DiffRow> diff_configs(const std::vector<std::string>& json_texts, bool all) {
    std::vector<std::map<std::string, std::string>> docs;
    std::set<std::string> keys;
    for (const auto& text : json_texts) {
        docs.push_back(flatten_json(text));
        for (const auto& [k, v] : docs.back()) keys.insert(k);
    }
    std::vector<DiffRow> rows;
    for (const std::string& key : keys) {
        DiffRow row{key, {}};
        for (const auto& d : docs) {
            const auto it = d.find(key);
            row.values.push_back(it == d.end() ? std::nullopt : std::optional<std::string>(it->second));
        }
        const bool same = std::all_of(row.values.begin(), row.values.end(),
                                      [&](const auto& v) { return v == row.values.front(); });
        if (all || !same) rows.push_back(std::move(row));
    }
    return rows;
}

std::vector<std::size_t> pareto_front(const std::vector<ParetoPoint>& points, bool maximize_x, bool maximize_y) {
    // In "larger is better" terms, sorted by x then y, best first. A point is on the front
    // when it has the best y of its x (else a point of the same x beats it) and a y above
    // every point of a larger x (else one of those is at least as good in both and better
    // in x). O(n log n), so the history view can draw it over every run.
    const std::size_t n = points.size();
    std::vector<double> X(n), Y(n);
    for (std::size_t i = 0; i < n; ++i) {
        X[i] = maximize_x ? points[i].x : -points[i].x;
        Y[i] = maximize_y ? points[i].y : -points[i].y;
    }
    std::vector<std::size_t> order(n);
    for (std::size_t i = 0; i < n; ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return X[a] != X[b] ? X[a] > X[b] : Y[a] > Y[b];
    });
    std::vector<std::size_t> front;
    double best_y = -std::numeric_limits<double>::infinity();  // over points of a larger x
    bool any = false;
    for (std::size_t g = 0; g < n;) {
        std::size_t end = g;
        while (end < n && X[order[end]] == X[order[g]]) ++end;
        const double group_y = Y[order[g]];
        if (!any || group_y > best_y)
            for (std::size_t k = g; k < end && Y[order[k]] == group_y; ++k) front.push_back(order[k]);
        best_y = any ? std::max(best_y, group_y) : group_y;
        any = true;
        g = end;
    }
    std::sort(front.begin(), front.end());
    return front;
}

}  // namespace sparq::profiler

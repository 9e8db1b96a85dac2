#include "sparq/profiler/run_filter.h"

#include <algorithm>
#include <cctype>

namespace sparq::profiler {

bool contains_ignoring_case(const std::string& haystack, const std::string& needle) {
    if (needle.empty()) return true;
    const auto eq = [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
    };
    return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(), eq) != haystack.end();
}

bool matches(const RunRecord& r, const RunFilter& f) {
    if (r.archived && !f.include_archived) return false;
    if (!f.kind.empty() && r.kind != f.kind) return false;
    if (!f.status.empty() && r.status != f.status) return false;
    if (!f.tag.empty() && !std::binary_search(r.tags.begin(), r.tags.end(), f.tag)) return false;
    if (f.since_ns && r.created_ns < f.since_ns) return false;
    if (f.until_ns && r.created_ns >= f.until_ns) return false;
    if (f.text.empty()) return true;
    if (contains_ignoring_case(r.name, f.text) || contains_ignoring_case(r.preset, f.text) ||
        contains_ignoring_case(r.notes, f.text) || contains_ignoring_case(r.config_json, f.text) ||
        contains_ignoring_case(r.summary_json, f.text))
        return true;
    for (const auto& t : r.tags)
        if (contains_ignoring_case(t, f.text)) return true;
    return false;
}

}  // namespace sparq::profiler

#pragma once
// The filters of the history, shared by `sparq-cli history list` and the GUI's runs table so
// both select the same runs.
#include <cstdint>
#include <string>

#include "sparq/profiler/run_store.h"

namespace sparq::profiler {

struct RunFilter {
    std::string kind;              // exact; empty = any
    std::string status;            // exact; empty = any
    std::string tag;               // the run carries this tag; empty = any
    std::int64_t since_ns = 0;     // created at or after (wall clock); 0 = no bound
    std::int64_t until_ns = 0;     // created before; 0 = no bound
    std::string text;              // case-insensitive substring of name, preset, tags, notes,
                                   // configuration or summary; empty = any
    bool include_archived = false;
};

/// Whether a run passes every part of the filter.
bool matches(const RunRecord& run, const RunFilter& filter);

/// Case-insensitive (ASCII) substring test.
bool contains_ignoring_case(const std::string& haystack, const std::string& needle);

}  // namespace sparq::profiler

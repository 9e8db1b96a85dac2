#pragma once
// Runs written out as JSON or CSV: one format for `sparq-cli history export` and the GUI's
// export, so a file from either reads the same.
#include <string>
#include <vector>

#include "sparq/profiler/run_store.h"

namespace sparq::profiler {

enum class ExportFormat { Json, Csv };

struct ExportOptions {
    ExportFormat format = ExportFormat::Json;
    /// Include every sample: JSON gets a "series" object per run; CSV becomes the long
    /// format, one row per sample (run_id, series, step, time_ns, value).
    bool series = false;
};

/// JSON: {"runs": [{run_id, name, kind, preset, status, started_ns, ended_ns, duration_s,
/// host, build, test_accuracy, tags, notes, archived, config, summary[, series]}]}.
/// CSV (without series): one row per run with run_id, name, kind, preset, status, started,
/// duration_s, test_accuracy, tags (";"-joined), notes, then every configuration key
/// ("config.*") and every numeric summary key ("summary.*") of any of the runs.
/// `reader` is only used for the samples.
std::string export_runs(const RunReader& reader, const std::vector<RunRecord>& runs,
                        const ExportOptions& options);

/// A run's record as the JSON object of `history list --json` (without config/summary).
std::string run_record_json(const RunRecord& run);

/// Writes `text` to a temporary file beside `path` and renames it into place, so a reader
/// never sees half a file. Throws StoreError naming the path.
void write_file_atomically(const std::string& path, const std::string& text);

/// "2026-11-28 22:05:21" in local time; "-" for 0.
std::string local_time_text(std::int64_t wall_ns);

}  // namespace sparq::profiler

#pragma once
// Edits of the history that are not part of recording a run.
#include <string>
#include <vector>

#include "sparq/profiler/metric_bus.h"

namespace sparq::profiler {

/// Deletes runs with their configuration, samples, events and artifact records (the files
/// on disk stay), in one transaction. Runs of dead processes are marked interrupted first;
/// a run still being written by a live process is refused with StoreError, and so is an
/// unknown id (nothing is deleted then). Returns the number of runs deleted.
std::size_t delete_runs(const std::string& db_path, const std::vector<RunId>& ids);

}  // namespace sparq::profiler

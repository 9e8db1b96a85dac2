#pragma once
// Edits of the history that are not part of recording a run: tags, notes, names, the
// archived flag, deletion, and moving a damaged file aside. Each call is one transaction on
// its own connection (waiting out another writer's lock up to the busy timeout) and throws
// StoreError naming the file; an unknown run id changes nothing and is an error.
#include <string>
#include <vector>

#include "sparq/profiler/metric_bus.h"

namespace sparq::profiler {

/// Deletes runs with their configuration, samples, tags, events and artifact records (the
/// files on disk stay), in one transaction. Runs of dead processes are marked interrupted
/// first; a run still being written by a live process is refused with StoreError, and so is
/// an unknown id (nothing is deleted then). Returns the number of runs deleted.
std::size_t delete_runs(const std::string& db_path, const std::vector<RunId>& ids);

/// Adds the tags in `add` and removes those in `remove` on every run in `ids`. A tag is
/// trimmed; an empty tag or one with a comma or a line break is refused (ConfigError-like
/// StoreError).
void tag_runs(const std::string& db_path, const std::vector<RunId>& ids,
              const std::vector<std::string>& add, const std::vector<std::string>& remove);
/// Replaces a run's notes (free text, may be empty).
void set_notes(const std::string& db_path, RunId id, const std::string& notes);
/// Renames a run; the name must not be empty after trimming.
void rename_run(const std::string& db_path, RunId id, const std::string& name);
/// Archives (hidden from default listings, kept) or restores runs.
void set_archived(const std::string& db_path, const std::vector<RunId>& ids, bool archived);

/// Renames a damaged or foreign file (with its -wal and -shm companions) to
/// "<path>.damaged-YYYYMMDD-HHMMSS" so a fresh history can be created; returns the new path.
/// Never deletes anything. Throws StoreError when the rename fails.
std::string move_aside(const std::string& db_path);

}  // namespace sparq::profiler

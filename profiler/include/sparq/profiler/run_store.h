#pragma once
// RunStore: Sparq's run history in one SQLite file (WAL). All writes go through one writer
// thread that commits batched transactions at least every flush interval; reads use
// RunReader on separate connections from any thread.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sparq/profiler/metric_bus.h"

namespace sparq::profiler {

/// A problem with the history database that the user can act on; what() names the file
/// and says what to do.
class StoreError : public std::runtime_error {
public:
    enum class Kind {
        Other,
        Missing,  // no file at the path
        Locked,   // another process holds the lock past the busy timeout
        Damaged,  // not a database, or a corrupt one: offer move_aside()
        Foreign,  // an SQLite file of another application: offer move_aside()
        TooNew,   // written by a newer Sparq
        Full,     // the disk (or the file's size limit) is full
    };
    explicit StoreError(const std::string& what, Kind kind = Kind::Other)
        : std::runtime_error(what), kind_(kind) {}
    Kind kind() const noexcept { return kind_; }

private:
    Kind kind_;
};

/// Schema version written by this build. Older databases are migrated in place on open.
///   1: runs, configuration, one row per sample, events, artifacts.
///   2: tags, notes and archived flag of runs; samples in compressed blocks.
inline constexpr int kSchemaVersion = 2;

struct RunRecord {
    RunId id = 0;
    std::string name;
    std::string kind;    // "train", ...
    std::string preset;
    std::string status;  // queued | running | completed | failed | cancelled | interrupted
    std::int64_t created_ns = 0;  // wall clock
    std::int64_t started_ns = 0;
    std::int64_t ended_ns = 0;    // 0 while running
    std::string host;
    std::string build;
    std::string config_json;
    std::string summary_json;     // engine's result summary, "{}" until finished
    std::optional<double> test_accuracy;
    std::vector<std::string> tags;  // sorted, unique
    std::string notes;
    bool archived = false;
    double duration_s() const;
};

struct NewRun {
    std::string name;
    std::string kind = "train";
    std::string preset;
    std::string config_json = "{}";
};

struct RunEvent {
    std::int64_t time_ns = 0;
    std::string level;  // info | warning | error
    std::string kind;   // started | epoch | checkpoint | alert | finished | ...
    std::string message;
};

struct Artifact {
    std::string kind;  // checkpoint | ...
    std::string path;
    std::int64_t bytes = 0;
    std::int64_t time_ns = 0;
};

struct SeriesPoints {
    std::string name;
    std::vector<std::int64_t> step;
    std::vector<std::int64_t> time_ns;
    std::vector<double> value;
};

struct StoreOptions {
    std::string path;               // database file; parent folders are created
    int flush_interval_ms = 250;    // the writer commits at least this often (<= 1000)
    int busy_timeout_ms = 5000;     // how long to wait for a lock held by another process
    /// Upper bound on the database file (0 = none). Reaching it behaves like a full disk:
    /// samples stop being stored, each live run gets an error event, runs still end.
    std::int64_t max_db_bytes = 0;
};

class RunStore {
public:
    /// Opens (creating or migrating) the database and starts the writer thread.
    /// Marks runs of dead processes as `interrupted`. Throws StoreError.
    static std::unique_ptr<RunStore> open(const StoreOptions& options);
    ~RunStore();  // commits everything pending, stops the writer
    RunStore(const RunStore&) = delete;
    RunStore& operator=(const RunStore&) = delete;

    const std::string& path() const;

    // --- writes (run on the writer thread) ---
    /// Creates a run in state `running` owned by this process; returns its id.
    RunId create_run(const NewRun& run);
    /// Ends a run: final status, engine summary JSON, headline accuracy. Commits at once.
    void finish_run(RunId id, const std::string& status, const std::string& summary_json,
                    std::optional<double> test_accuracy);
    void add_event(RunId id, const std::string& level, const std::string& kind,
                   const std::string& message);
    void add_artifact(RunId id, const std::string& kind, const std::string& path,
                      std::int64_t bytes);
    /// Subscribes the writer to a bus: every sample delivered there is stored.
    void attach(MetricBus& bus);
    void detach();
    /// Commits everything queued so far and returns when it is durable.
    void flush();
    /// Called on the writer thread after each commit with the total samples committed
    /// (non-finite samples and samples dropped after a full disk are not counted).
    void on_commit(std::function<void(std::uint64_t committed_samples)> callback);
    std::uint64_t committed_samples() const;

private:
    RunStore();
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Read-only view of a history database; one per thread.
class RunReader {
public:
    /// Throws StoreError when the file is missing, foreign, damaged or too new.
    explicit RunReader(const std::string& path, int busy_timeout_ms = 5000);
    ~RunReader();
    RunReader(const RunReader&) = delete;
    RunReader& operator=(const RunReader&) = delete;

    std::vector<RunRecord> list_runs(int limit = 0) const;  // newest first; 0 = all
    std::optional<RunRecord> run(RunId id) const;
    std::vector<std::string> series_names(RunId id) const;
    /// Every point of the named series of a run (all series when names is empty).
    std::vector<SeriesPoints> load_series(RunId id,
                                          const std::vector<std::string>& names = {}) const;
    std::vector<RunEvent> events(RunId id) const;
    std::vector<Artifact> artifacts(RunId id) const;
    int schema_version() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Default database path: $XDG_DATA_HOME/sparq/history.db (~/.local/share/sparq/history.db).
std::string default_db_path();
/// Default workspace root: $XDG_DATA_HOME/sparq/runs.
std::string default_workspace_root();

}  // namespace sparq::profiler

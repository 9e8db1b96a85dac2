#include "sqlite_db.h"

#include <filesystem>

#include "sample_block.h"

namespace sparq::profiler::sql {

namespace {

// 'SPRQ': marks a file as a Sparq history so a foreign SQLite file is never taken for one.
constexpr std::int64_t kApplicationId = 0x53505251;

struct Migration {
    int to_version;
    const char* sql;
    void (*after)(Db&) = nullptr;  // data conversion SQL alone cannot express
};

// v1 kept one row per sample; v2 keeps them in compressed blocks (sample_block.h).
void move_samples_into_blocks(Db& db) {
    Stmt rows = db.prepare(
        "SELECT run_id, series_id, step, time_ns, value FROM metrics "
        "ORDER BY run_id, series_id, rowid");
    BlockWriter out(db);
    std::int64_t run = -1, series = -1;
    SampleColumns block;
    auto emit = [&] {
        if (!block.empty()) out.insert(run, series, block);
        block.clear();
    };
    while (rows.step()) {
        if (rows.i64(0) != run || rows.i64(1) != series || block.size() == kBlockSamples) {
            emit();
            run = rows.i64(0);
            series = rows.i64(1);
        }
        block.push(rows.i64(2), rows.i64(3), rows.f64(4));
    }
    emit();
    db.exec("DROP TABLE metrics");
}

// Each entry upgrades the schema from to_version - 1. Never edit a shipped entry: add one.
const Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE runs(
  id           INTEGER PRIMARY KEY,
  name         TEXT NOT NULL,
  kind         TEXT NOT NULL,
  preset       TEXT NOT NULL DEFAULT '',
  status       TEXT NOT NULL,
  created_ns   INTEGER NOT NULL,
  started_ns   INTEGER NOT NULL DEFAULT 0,
  ended_ns     INTEGER NOT NULL DEFAULT 0,
  heartbeat_ns INTEGER NOT NULL DEFAULT 0,
  pid          INTEGER NOT NULL DEFAULT 0,
  host         TEXT NOT NULL DEFAULT '',
  build        TEXT NOT NULL DEFAULT '',
  summary_json TEXT NOT NULL DEFAULT '{}',
  test_accuracy REAL
);
CREATE INDEX runs_status ON runs(status);
CREATE TABLE run_config(
  run_id      INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
  config_json TEXT NOT NULL
);
CREATE TABLE series(
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);
CREATE TABLE metrics(
  run_id    INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  series_id INTEGER NOT NULL REFERENCES series(id),
  step      INTEGER NOT NULL,
  time_ns   INTEGER NOT NULL,
  value     REAL NOT NULL
);
CREATE INDEX metrics_run_series ON metrics(run_id, series_id, step);
CREATE TABLE artifacts(
  id      INTEGER PRIMARY KEY,
  run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  kind    TEXT NOT NULL,
  path    TEXT NOT NULL,
  bytes   INTEGER NOT NULL,
  time_ns INTEGER NOT NULL
);
CREATE TABLE events(
  id      INTEGER PRIMARY KEY,
  run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  time_ns INTEGER NOT NULL,
  level   TEXT NOT NULL,
  kind    TEXT NOT NULL,
  message TEXT NOT NULL
);
CREATE INDEX events_run ON events(run_id);
)sql"},
    {2, R"sql(
ALTER TABLE runs ADD COLUMN notes TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN archived INTEGER NOT NULL DEFAULT 0;
CREATE TABLE run_tags(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  tag    TEXT NOT NULL,
  PRIMARY KEY(run_id, tag)
) WITHOUT ROWID;
CREATE INDEX run_tags_tag ON run_tags(tag);
CREATE TABLE metric_blocks(
  id            INTEGER PRIMARY KEY,
  run_id        INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  series_id     INTEGER NOT NULL REFERENCES series(id),
  count         INTEGER NOT NULL,
  first_step    INTEGER NOT NULL,
  last_step     INTEGER NOT NULL,
  first_time_ns INTEGER NOT NULL,
  last_time_ns  INTEGER NOT NULL,
  data          BLOB NOT NULL
);
CREATE INDEX metric_blocks_run_series ON metric_blocks(run_id, series_id, id);
)sql",
     move_samples_into_blocks},
};
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == kSchemaVersion,
              "one migration per schema version");

}  // namespace

[[noreturn]] void fail(sqlite3* db, int rc, const std::string& path, std::string_view what) {
    const int code = rc & 0xff;
    const std::string detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
        throw StoreError("history database " + path +
                         " is locked by another process; close the other Sparq "
                         "session or pass --db with another file (" + detail + ")",
                         StoreError::Kind::Locked);
    if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
        throw StoreError("history database " + path +
                         " is damaged or not a database (" + detail +
                         "); move it aside or pass --db with another file",
                         StoreError::Kind::Damaged);
    if (code == SQLITE_FULL)
        throw StoreError("history database " + path + ": disk full while " +
                         std::string(what) + "; free space and try again",
                         StoreError::Kind::Full);
    if (code == SQLITE_CANTOPEN || code == SQLITE_READONLY || code == SQLITE_PERM)
        throw StoreError("cannot open history database " + path + " (" + detail +
                         "); check the path and its permissions or pass --db");
    throw StoreError("history database " + path + ": " + std::string(what) + " failed: " +
                     detail);
}

// ---------------------------------------------------------------- Stmt

Stmt::Stmt(sqlite3* db, std::string_view sql, const std::string& path) : path_(path) {
    const int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &s_, nullptr);
    if (rc != SQLITE_OK) fail(db, rc, path_, "preparing a statement");
}

Stmt& Stmt::operator=(Stmt&& o) noexcept {
    if (this != &o) {
        sqlite3_finalize(s_);
        s_ = o.s_;
        path_ = std::move(o.path_);
        o.s_ = nullptr;
    }
    return *this;
}

Stmt::~Stmt() { sqlite3_finalize(s_); }

Stmt& Stmt::bind(int i, std::int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
}
Stmt& Stmt::bind(int i, double v) {
    sqlite3_bind_double(s_, i, v);
    return *this;
}
Stmt& Stmt::bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
}
Stmt& Stmt::bind_blob(int i, const void* data, std::size_t bytes) {
    sqlite3_bind_blob64(s_, i, data, bytes, SQLITE_STATIC);
    return *this;
}
Stmt& Stmt::bind_null(int i) {
    sqlite3_bind_null(s_, i);
    return *this;
}

bool Stmt::step() {
    const int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    sqlite3* db = sqlite3_db_handle(s_);
    sqlite3_reset(s_);
    fail(db, rc, path_, "a query");
}

void Stmt::run() {
    while (step()) {
    }
    reset();
}

void Stmt::reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
}

std::string Stmt::text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, col))) : std::string();
}

std::string_view Stmt::blob(int col) const {
    const void* p = sqlite3_column_blob(s_, col);
    return p ? std::string_view(static_cast<const char*>(p),
                                std::size_t(sqlite3_column_bytes(s_, col)))
             : std::string_view();
}

// ---------------------------------------------------------------- Db

Db::Db(const std::string& path, Mode mode, int busy_timeout_ms)
    : path_(path), busy_timeout_ms_(busy_timeout_ms) {
    namespace fs = std::filesystem;
    if (mode == Mode::ReadOnly && !fs::exists(path))
        throw StoreError("no history database at " + path +
                         " yet; run a job first or pass --db with an existing file",
                         StoreError::Kind::Missing);
    if (mode == Mode::ReadWrite) {
        const fs::path parent = fs::path(path).parent_path();
        std::error_code ec;
        if (!parent.empty()) fs::create_directories(parent, ec);
        if (ec)
            throw StoreError("cannot create the folder for history database " + path + ": " +
                             ec.message());
    }
    const int flags = mode == Mode::ReadOnly ? SQLITE_OPEN_READONLY
                                             : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    const int rc = sqlite3_open_v2(path.c_str(), &h_, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        sqlite3* h = h_;
        h_ = nullptr;
        try {
            fail(h, rc, path_, "opening");
        } catch (...) {
            sqlite3_close(h);
            throw;
        }
    }
    sqlite3_busy_timeout(h_, busy_timeout_ms_);
    sqlite3_extended_result_codes(h_, 1);
    try {
        check_and_migrate(mode);
    } catch (...) {
        sqlite3_close(h_);
        h_ = nullptr;
        throw;
    }
}

Db::~Db() { sqlite3_close(h_); }

void Db::exec(std::string_view sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(h_, std::string(sql).c_str(), nullptr, nullptr, &err);
    sqlite3_free(err);
    if (rc != SQLITE_OK) fail(h_, rc, path_, "executing SQL");
}

int Db::schema_version() {
    Stmt s = prepare("PRAGMA user_version");
    s.step();
    return static_cast<int>(s.i64(0));
}

void Db::check_and_migrate(Mode mode) {
    std::int64_t app_id = 0;
    {
        Stmt s = prepare("PRAGMA application_id");  // fails with NOTADB on a foreign file
        s.step();
        app_id = s.i64(0);
    }
    if (app_id != kApplicationId) {
        Stmt s = prepare("SELECT count(*) FROM sqlite_master");
        s.step();
        const bool empty = s.i64(0) == 0;
        if (!empty || app_id != 0)
            throw StoreError("history database " + path_ +
                             " is an SQLite file of another application, not a Sparq history; "
                             "move it aside or pass --db with another file",
                             StoreError::Kind::Foreign);
        if (mode == Mode::ReadOnly)
            throw StoreError("history database " + path_ + " is empty; run a job first",
                             StoreError::Kind::Missing);
    }
    const int version = schema_version();
    if (version > kSchemaVersion)
        throw StoreError("history database " + path_ + " has schema version " +
                         std::to_string(version) + ", newer than this Sparq understands (" +
                         std::to_string(kSchemaVersion) + "); upgrade Sparq",
                         StoreError::Kind::TooNew);
    if (mode == Mode::ReadWrite) {
        exec("PRAGMA journal_mode=WAL");
        exec("PRAGMA synchronous=NORMAL");
    }
    if (version == kSchemaVersion) return;
    if (mode == Mode::ReadOnly) {
        // A reader of an older history upgrades it through a writing connection of its own.
        Db upgrade(path_, Mode::ReadWrite, busy_timeout_ms_);
        return;
    }
    exec("BEGIN IMMEDIATE");
    try {
        const int locked_version = schema_version();  // another process may have migrated
        for (const Migration& m : kMigrations) {
            if (m.to_version <= locked_version) continue;
            exec(m.sql);
            if (m.after) m.after(*this);
        }
        exec("PRAGMA application_id=" + std::to_string(kApplicationId));
        exec("PRAGMA user_version=" + std::to_string(kSchemaVersion));
        exec("COMMIT");
    } catch (...) {
        sqlite3_exec(h_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

}  // namespace sparq::profiler::sql

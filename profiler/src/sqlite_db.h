#pragma once
// Thin RAII over the SQLite C API, shared by RunStore (writer) and RunReader. Every error
// becomes a StoreError that names the database file.
#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sparq/profiler/run_store.h"

namespace sparq::profiler::sql {

class Stmt {
public:
    Stmt() = default;
    Stmt(sqlite3* db, std::string_view sql, const std::string& path);
    Stmt(Stmt&& o) noexcept : s_(o.s_), path_(std::move(o.path_)) { o.s_ = nullptr; }
    Stmt& operator=(Stmt&& o) noexcept;
    ~Stmt();

    Stmt& bind(int i, std::int64_t v);
    Stmt& bind(int i, double v);
    Stmt& bind(int i, std::string_view v);
    Stmt& bind_null(int i);
    /// Binds bytes that stay valid until the statement is stepped (no copy).
    Stmt& bind_blob(int i, const void* data, std::size_t bytes);
    /// Steps once: true while a row is available, false when done. Throws on error.
    bool step();
    /// Steps to completion and resets for reuse.
    void run();
    void reset();

    std::int64_t i64(int col) const { return sqlite3_column_int64(s_, col); }
    double f64(int col) const { return sqlite3_column_double(s_, col); }
    bool is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
    std::string text(int col) const;
    std::string_view blob(int col) const;

private:
    sqlite3_stmt* s_ = nullptr;
    std::string path_;
};

class Db {
public:
    enum class Mode { ReadWrite, ReadOnly };
    /// Opens the file and checks it is a Sparq history (creating the schema for ReadWrite on
    /// an empty file, migrating an older one). Throws StoreError with an actionable message.
    Db(const std::string& path, Mode mode, int busy_timeout_ms);
    ~Db();
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;

    void exec(std::string_view sql);
    Stmt prepare(std::string_view sql) { return Stmt(h_, sql, path_); }
    std::int64_t last_insert_id() const { return sqlite3_last_insert_rowid(h_); }
    sqlite3* handle() const { return h_; }
    const std::string& path() const { return path_; }
    int schema_version();

private:
    void check_and_migrate(Mode mode);
    sqlite3* h_ = nullptr;
    std::string path_;
    int busy_timeout_ms_;
};

/// Builds the StoreError for an SQLite failure on `path`.
[[noreturn]] void fail(sqlite3* db, int rc, const std::string& path, std::string_view what);

}  // namespace sparq::profiler::sql

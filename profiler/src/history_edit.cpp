#include "sparq/profiler/history_edit.h"

#include <ctime>
#include <filesystem>
#include <functional>

#include "sparq/profiler/run_store.h"
#include "sqlite_db.h"

namespace sparq::profiler {

namespace {

// Runs `body` in one IMMEDIATE transaction on a connection of its own.
void edit(const std::string& db_path, const std::function<void(sql::Db&)>& body) {
    sql::Db db(db_path, sql::Db::Mode::ReadWrite, 5000);
    db.exec("BEGIN IMMEDIATE");
    try {
        body(db);
        db.exec("COMMIT");
    } catch (...) {
        sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

void require_runs(sql::Db& db, const std::vector<RunId>& ids) {
    if (ids.empty()) throw StoreError("no run ids given");
    sql::Stmt q = db.prepare("SELECT 1 FROM runs WHERE id = ?");
    for (RunId id : ids) {
        q.bind(1, std::int64_t(id));
        const bool found = q.step();
        q.reset();
        if (!found)
            throw StoreError("history database " + db.path() + " has no run " + std::to_string(id));
    }
}

std::string trimmed(const std::string& s) {
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return {};
    return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

std::string checked_tag(const std::string& raw) {
    const std::string tag = trimmed(raw);
    if (tag.empty()) throw StoreError("a tag cannot be empty");
    if (tag.find_first_of(",\n\r") != std::string::npos)
        throw StoreError("tag '" + tag + "' has a comma or a line break; tags are single words or phrases");
    if (tag.size() > 64) throw StoreError("tag '" + tag.substr(0, 64) + "…' is longer than 64 characters");
    return tag;
}

}  // namespace

std::size_t delete_runs(const std::string& db_path, const std::vector<RunId>& ids) {
    // Opening the store marks the runs of dead processes interrupted, so that "running" below
    // means a live writer.
    RunStore::open({db_path}).reset();
    std::size_t deleted = 0;
    edit(db_path, [&](sql::Db& db) {
        require_runs(db, ids);
        sql::Stmt q = db.prepare("SELECT status FROM runs WHERE id = ?");
        for (RunId id : ids) {
            q.bind(1, std::int64_t(id));
            q.step();
            const bool running = q.text(0) == "running";
            q.reset();
            if (running)
                throw StoreError("run " + std::to_string(id) + " is still running; stop it before deleting it");
        }
        for (const char* table : {"metric_blocks", "run_tags", "events", "artifacts", "run_config"}) {
            sql::Stmt del = db.prepare(std::string("DELETE FROM ") + table + " WHERE run_id = ?");
            for (RunId id : ids) del.bind(1, std::int64_t(id)).run();
        }
        sql::Stmt del = db.prepare("DELETE FROM runs WHERE id = ?");
        for (RunId id : ids) {
            del.bind(1, std::int64_t(id)).run();
            deleted += std::size_t(sqlite3_changes(db.handle()));
        }
    });
    return deleted;
}

void tag_runs(const std::string& db_path, const std::vector<RunId>& ids,
              const std::vector<std::string>& add, const std::vector<std::string>& remove) {
    std::vector<std::string> added, removed;
    for (const auto& t : add) added.push_back(checked_tag(t));
    for (const auto& t : remove) removed.push_back(trimmed(t));
    edit(db_path, [&](sql::Db& db) {
        require_runs(db, ids);
        sql::Stmt ins = db.prepare("INSERT OR IGNORE INTO run_tags(run_id, tag) VALUES(?, ?)");
        sql::Stmt del = db.prepare("DELETE FROM run_tags WHERE run_id = ? AND tag = ?");
        for (RunId id : ids) {
            for (const auto& t : removed) del.bind(1, std::int64_t(id)).bind(2, t).run();
            for (const auto& t : added) ins.bind(1, std::int64_t(id)).bind(2, t).run();
        }
    });
}

void set_notes(const std::string& db_path, RunId id, const std::string& notes) {
    edit(db_path, [&](sql::Db& db) {
        require_runs(db, {id});
        db.prepare("UPDATE runs SET notes = ? WHERE id = ?").bind(1, notes).bind(2, std::int64_t(id)).run();
    });
}

void rename_run(const std::string& db_path, RunId id, const std::string& name) {
    const std::string clean = trimmed(name);
    if (clean.empty()) throw StoreError("a run's name cannot be empty");
    edit(db_path, [&](sql::Db& db) {
        require_runs(db, {id});
        db.prepare("UPDATE runs SET name = ? WHERE id = ?").bind(1, clean).bind(2, std::int64_t(id)).run();
    });
}

void set_archived(const std::string& db_path, const std::vector<RunId>& ids, bool archived) {
    edit(db_path, [&](sql::Db& db) {
        require_runs(db, ids);
        sql::Stmt upd = db.prepare("UPDATE runs SET archived = ? WHERE id = ?");
        for (RunId id : ids) upd.bind(1, std::int64_t(archived)).bind(2, std::int64_t(id)).run();
    });
}

std::string move_aside(const std::string& db_path) {
    namespace fs = std::filesystem;
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    std::string target = db_path + ".damaged-" + stamp;
    for (int n = 2; fs::exists(target); ++n) target = db_path + ".damaged-" + stamp + "-" + std::to_string(n);
    std::error_code ec;
    fs::rename(db_path, target, ec);
    if (ec) throw StoreError("cannot move history database " + db_path + " aside to " + target + ": " + ec.message());
    for (const char* companion : {"-wal", "-shm"}) {
        if (!fs::exists(db_path + companion)) continue;
        fs::rename(db_path + companion, target + companion, ec);
        if (ec)
            throw StoreError("moved " + db_path + " to " + target + " but not its " + companion +
                             " file: " + ec.message());
    }
    return target;
}

}  // namespace sparq::profiler

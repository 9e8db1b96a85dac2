#include "sparq/profiler/history_edit.h"

#include "sparq/profiler/run_store.h"
#include "sqlite_db.h"

namespace sparq::profiler {

std::size_t delete_runs(const std::string& db_path, const std::vector<RunId>& ids) {
    // Opening the store marks the runs of dead processes interrupted, so that "running" below
    // means a live writer.
    RunStore::open({db_path}).reset();
    sql::Db db(db_path, sql::Db::Mode::ReadWrite, 5000);
    db.exec("BEGIN IMMEDIATE");
    try {
        for (RunId id : ids) {
            sql::Stmt q = db.prepare("SELECT status FROM runs WHERE id = ?");
            q.bind(1, std::int64_t(id));
            if (!q.step()) throw StoreError("history database " + db_path + " has no run " + std::to_string(id));
            if (q.text(0) == "running")
                throw StoreError("run " + std::to_string(id) + " is still running; stop it before deleting it");
        }
        for (const char* table : {"metrics", "events", "artifacts", "run_config"}) {
            sql::Stmt del = db.prepare(std::string("DELETE FROM ") + table + " WHERE run_id = ?");
            for (RunId id : ids) del.bind(1, std::int64_t(id)).run();
        }
        std::size_t deleted = 0;
        sql::Stmt del = db.prepare("DELETE FROM runs WHERE id = ?");
        for (RunId id : ids) {
            del.bind(1, std::int64_t(id)).run();
            deleted += std::size_t(sqlite3_changes(db.handle()));
        }
        db.exec("COMMIT");
        return deleted;
    } catch (...) {
        sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

}  // namespace sparq::profiler

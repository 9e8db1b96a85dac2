#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <cmath>
#include <fstream>
#include <random>
#include <thread>

#include "common/temp_dir.h"
#include "sparq/profiler/metric_bus.h"
#include "sparq/profiler/run_store.h"

using namespace sparq::profiler;
using sparq::test::TempDir;

namespace {

std::string sqlite_scalar(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    std::string out;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const auto* t = sqlite3_column_text(st, 0);
        out = t ? reinterpret_cast<const char*>(t) : "";
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

}  // namespace

TEST(RunStore, CreatesSchemaAndRecordsARun) {
    TempDir dir;
    const std::string db = dir.file("sub/history.db");
    MetricBus bus;
    {
        auto store = RunStore::open({db});
        store->attach(bus);
        const RunId id = store->create_run({"my-run", "train", "mlp-fashion", R"({"epochs":3})"});
        ASSERT_GT(id, 0);
        Producer out = bus.make_producer();
        const SeriesId loss = bus.series().intern("train/loss");
        for (int i = 0; i < 100; ++i) out.publish(id, loss, i, 1.0 / (i + 1));
        store->add_event(id, "info", "epoch", "epoch 1 done");
        store->add_artifact(id, "checkpoint", "/tmp/x.pt", 1234);
        store->finish_run(id, "completed", R"({"test_accuracy":0.9})", 0.9);
        store->detach();
        EXPECT_EQ(store->committed_samples(), 100u);
    }
    RunReader reader(db);
    EXPECT_EQ(reader.schema_version(), kSchemaVersion);
    const auto runs = reader.list_runs();
    ASSERT_EQ(runs.size(), 1u);
    const RunRecord& r = runs[0];
    EXPECT_EQ(r.name, "my-run");
    EXPECT_EQ(r.preset, "mlp-fashion");
    EXPECT_EQ(r.status, "completed");
    EXPECT_EQ(r.config_json, R"({"epochs":3})");
    ASSERT_TRUE(r.test_accuracy.has_value());
    EXPECT_DOUBLE_EQ(*r.test_accuracy, 0.9);
    EXPECT_GE(r.ended_ns, r.started_ns);
    const auto series = reader.load_series(r.id, {"train/loss"});
    ASSERT_EQ(series.size(), 1u);
    ASSERT_EQ(series[0].value.size(), 100u);
    EXPECT_DOUBLE_EQ(series[0].value[3], 0.25);
    EXPECT_EQ(series[0].step[99], 99);
    const auto events = reader.events(r.id);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].message, "epoch 1 done");
    const auto arts = reader.artifacts(r.id);
    ASSERT_EQ(arts.size(), 1u);
    EXPECT_EQ(arts[0].bytes, 1234);
    EXPECT_EQ(sqlite_scalar(db, "PRAGMA journal_mode"), "wal");
}

TEST(RunStore, ANonFiniteSampleIsSkippedAndLosesNothingElse) {
    TempDir dir;
    const std::string db = dir.file("history.db");
    MetricBus bus;
    {
        auto store = RunStore::open({db});
        store->attach(bus);
        const RunId id = store->create_run({"diverged", "train", "", "{}"});
        Producer out = bus.make_producer();
        const SeriesId loss = bus.series().intern("train/loss");
        for (int i = 0; i < 10; ++i)
            out.publish(id, loss, i, i == 4 ? std::nan("") : i == 6 ? HUGE_VAL : double(i));
        store->finish_run(id, "failed", "{}", std::nullopt);
        store->detach();
    }
    RunReader reader(db);
    const auto runs = reader.list_runs();
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0].status, "failed");  // the run's end, committed beside the NaN, is there
    const auto series = reader.load_series(runs[0].id, {"train/loss"});
    ASSERT_EQ(series.size(), 1u);
    EXPECT_EQ(series[0].step, (std::vector<std::int64_t>{0, 1, 2, 3, 5, 7, 8, 9}));
}

TEST(RunStore, RejectsAForeignSqliteFile) {
    TempDir dir;
    const std::string db = dir.file("other.db");
    sqlite3* h = nullptr;
    sqlite3_open(db.c_str(), &h);
    sqlite3_exec(h, "CREATE TABLE customers(id INTEGER)", nullptr, nullptr, nullptr);
    sqlite3_close(h);
    try {
        RunStore::open({db});
        FAIL() << "expected StoreError";
    } catch (const StoreError& e) {
        EXPECT_NE(std::string(e.what()).find(db), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("another application"), std::string::npos) << e.what();
    }
    EXPECT_EQ(sqlite_scalar(db, "SELECT count(*) FROM sqlite_master"), "1") << "left untouched";
}

TEST(RunStore, RejectsAFileThatIsNotADatabase) {
    TempDir dir;
    const std::string db = dir.file("garbage.db");
    std::ofstream(db) << std::string(8192, 'x');
    try {
        RunStore::open({db});
        FAIL() << "expected StoreError";
    } catch (const StoreError& e) {
        EXPECT_NE(std::string(e.what()).find("not a database"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("move it aside"), std::string::npos) << e.what();
        EXPECT_EQ(e.kind(), StoreError::Kind::Damaged);
        EXPECT_NE(std::string(e.what()).find(db), std::string::npos);
    }
    std::ifstream in(db);
    std::string content((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(content, std::string(8192, 'x')) << "a damaged file is never overwritten";
}

TEST(RunStore, RejectsANewerSchema) {
    TempDir dir;
    const std::string db = dir.file("h.db");
    { RunStore::open({db}); }
    sqlite3* h = nullptr;
    sqlite3_open(db.c_str(), &h);
    sqlite3_exec(h, "PRAGMA user_version=99", nullptr, nullptr, nullptr);
    sqlite3_close(h);
    EXPECT_THROW(RunStore::open({db}), StoreError);
    EXPECT_THROW(RunReader reader(db), StoreError);
}

TEST(RunStore, ReaderOnAMissingFileSaysSo) {
    TempDir dir;
    try {
        RunReader reader(dir.file("none.db"));
        FAIL();
    } catch (const StoreError& e) {
        EXPECT_NE(std::string(e.what()).find("no history database"), std::string::npos);
    }
}

TEST(RunStore, ALockHeldByAnotherConnectionGivesAClearError) {
    TempDir dir;
    const std::string db = dir.file("h.db");
    StoreOptions o{db};
    o.busy_timeout_ms = 200;
    auto store = RunStore::open(o);
    sqlite3* other = nullptr;
    sqlite3_open(db.c_str(), &other);
    ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
    try {
        store->create_run({"r", "train", "", "{}"});
        FAIL() << "expected StoreError";
    } catch (const StoreError& e) {
        EXPECT_NE(std::string(e.what()).find("locked by another process"), std::string::npos)
            << e.what();
        EXPECT_EQ(e.kind(), StoreError::Kind::Locked);
    }
    sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(other);
    EXPECT_GT(store->create_run({"r", "train", "", "{}"}), 0) << "usable once the lock is gone";
}

// A child process writes samples through the real writer, counts what it published in
// shared memory and reports each commit on a pipe; the parent kills it with SIGKILL at a
// random moment (during open and migration too). The database must pass integrity_check,
// the run must be `interrupted`, every reported commit must be there, and so must every
// sample published more than one flush interval (plus scheduling slack) before the kill.
TEST(RunStore, SurvivesSigkillOfAWritingProcess) {
    constexpr int kTrials = 50;
    constexpr int kFlushMs = 100;
    constexpr int kSlackMs = 150;  // commit time and scheduling on a loaded 2-core machine
    auto* published = static_cast<std::atomic<std::int64_t>*>(
        mmap(nullptr, sizeof(std::atomic<std::int64_t>), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
    ASSERT_NE(published, MAP_FAILED);
    std::mt19937 rng(42);
    int killed_while_writing = 0;
    for (int trial = 0; trial < kTrials; ++trial) {
        TempDir dir;
        const std::string db = dir.file("h.db");
        published->store(0);
        int fds[2];
        ASSERT_EQ(pipe(fds), 0);
        const pid_t pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            close(fds[0]);
            StoreOptions o{db};
            o.flush_interval_ms = kFlushMs;
            auto store = RunStore::open(o);
            MetricBus bus;
            store->attach(bus);
            const int wfd = fds[1];
            store->on_commit([wfd](std::uint64_t n) {
                if (write(wfd, &n, sizeof n) != sizeof n) _exit(3);
            });
            const RunId id = store->create_run({"victim", "train", "", "{}"});
            Producer out = bus.make_producer();
            const SeriesId s = bus.series().intern("train/loss");
            for (std::int64_t i = 0;; ++i) {
                out.publish(id, s, i, double(i));
                published->store(i + 1, std::memory_order_release);
                if (i % 64 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
            }
        }
        close(fds[1]);
        fcntl(fds[0], F_SETFL, O_NONBLOCK);
        using Clock = std::chrono::steady_clock;
        const auto start = Clock::now();
        const auto deadline = start + std::chrono::milliseconds(rng() % 400);
        std::vector<std::pair<Clock::time_point, std::int64_t>> seen;  // (when, published)
        std::uint64_t last_committed = 0, n = 0;
        while (Clock::now() < deadline) {
            seen.emplace_back(Clock::now(), published->load(std::memory_order_acquire));
            while (read(fds[0], &n, sizeof n) == sizeof n) last_committed = n;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        kill(pid, SIGKILL);
        const auto killed_at = Clock::now();
        int status = 0;
        waitpid(pid, &status, 0);
        // Commits reported before the kill landed may still sit in the pipe.
        while (read(fds[0], &n, sizeof n) == sizeof n) last_committed = n;
        close(fds[0]);
        ASSERT_TRUE(WIFSIGNALED(status)) << "trial " << trial;

        // Published at least one flush interval (+ slack) before the kill.
        std::int64_t must_have = 0;
        for (const auto& [when, count] : seen)
            if (killed_at - when >= std::chrono::milliseconds(kFlushMs + kSlackMs)) must_have = count;

        if (!std::filesystem::exists(db)) {
            EXPECT_EQ(must_have, 0) << "trial " << trial;
            continue;  // killed before the file was created
        }
        EXPECT_EQ(sqlite_scalar(db, "PRAGMA integrity_check"), "ok") << "trial " << trial;
        { auto reopened = RunStore::open({db}); }  // marks the dead process's run
        RunReader reader(db);
        const auto runs = reader.list_runs();
        if (runs.empty()) {
            EXPECT_EQ(last_committed, 0u) << "trial " << trial;
            EXPECT_EQ(must_have, 0) << "trial " << trial;
            continue;  // killed before the run was created
        }
        ASSERT_EQ(runs.size(), 1u);
        EXPECT_EQ(runs[0].status, "interrupted") << "trial " << trial;
        EXPECT_GT(runs[0].ended_ns, 0);
        const auto pts = reader.load_series(runs[0].id, {"train/loss"});
        ASSERT_EQ(pts.size(), 1u);
        ASSERT_GE(pts[0].step.size(), last_committed) << "trial " << trial;
        ASSERT_GE(std::int64_t(pts[0].step.size()), must_have) << "trial " << trial << ": lost samples older than "
                                                               << kFlushMs + kSlackMs << " ms";
        for (std::size_t i = 0; i < pts[0].step.size(); ++i)
            ASSERT_EQ(pts[0].step[i], std::int64_t(i)) << "a committed prefix, no holes";
        // Reopening packed the dead writer's chunks into full blocks.
        EXPECT_EQ(std::stoll(sqlite_scalar(db, "SELECT count(*) FROM metric_blocks")),
                  (std::int64_t(pts[0].step.size()) + 8191) / 8192)
            << "trial " << trial;
        if (last_committed > 0) ++killed_while_writing;
    }
    munmap(published, sizeof(std::atomic<std::int64_t>));
    EXPECT_GE(killed_while_writing, kTrials / 2) << "most kills should land while samples flow";
}

TEST(RunStore, MarksRunsOfDeadProcessesInterruptedButNotLiveOnes) {
    TempDir dir;
    const std::string db = dir.file("h.db");
    auto store = RunStore::open({db});
    const RunId mine = store->create_run({"alive", "train", "", "{}"});
    { auto second = RunStore::open({db}); }  // same process: still alive
    RunReader reader(db);
    EXPECT_EQ(reader.run(mine)->status, "running");
}

// Schema migrations, the sample block codec through the public API, history edits, a full
// disk and damaged blocks.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "common/temp_dir.h"
#include "sparq/profiler/history_edit.h"
#include "sparq/profiler/metric_bus.h"
#include "sparq/profiler/run_filter.h"
#include "sparq/profiler/run_store.h"

using namespace sparq::profiler;
using sparq::test::TempDir;

namespace {

// Runs SQL on its own connection; fails the test on an error.
void exec_sql(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close(db);
}

std::string scalar(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* st = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        const auto* t = sqlite3_column_text(st, 0);
        out = t ? reinterpret_cast<const char*>(t) : "";
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

// Schema version 1 exactly as Sparq shipped it (the first entry of kMigrations, frozen
// here so that the test keeps checking upgrades of real old files if the code moves on).
constexpr const char* kSchemaV1 = R"sql(
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
PRAGMA application_id=1397772881;
PRAGMA user_version=1;
)sql";

struct V1Point {
    std::int64_t step, time_ns;
    double value;
};

// A version-1 history: two runs, run 1 with a 20,000-point loss (more than two blocks) and
// a 3-point accuracy, run 2 with one point; configuration, events and artifacts.
std::vector<V1Point> write_v1(const std::string& path) {
    std::string sql = kSchemaV1;
    sql += "BEGIN;"
           "INSERT INTO runs VALUES(1,'first','train','mlp-fashion','completed',100,110,900,900,1,'h','b',"
           "'{\"test_accuracy\":0.87}',0.87);"
           "INSERT INTO runs VALUES(2,'second','quantize','','interrupted',200,210,300,300,2,'h','b','{}',NULL);"
           "INSERT INTO run_config VALUES(1,'{\"epochs\":3}');"
           "INSERT INTO run_config VALUES(2,'{\"bits\":8}');"
           "INSERT INTO series VALUES(1,'train/loss');"
           "INSERT INTO series VALUES(2,'test/accuracy');"
           "INSERT INTO events VALUES(1,1,500,'info','epoch','epoch 1 done');"
           "INSERT INTO artifacts VALUES(1,1,'checkpoint','/tmp/a.pt',42,600);";
    std::vector<V1Point> loss;
    std::mt19937_64 rng(7);
    std::int64_t t = 1'700'000'000'000'000'000;
    for (int i = 0; i < 20000; ++i) {
        t += std::int64_t(rng() % 5'000'000);
        loss.push_back({i, t, std::ldexp(double(rng() % 1000000), -17) - 3.0});
    }
    char row[160];
    for (const auto& p : loss) {
        std::snprintf(row, sizeof row, "INSERT INTO metrics VALUES(1,1,%lld,%lld,%.17g);", (long long)p.step,
                      (long long)p.time_ns, p.value);
        sql += row;
    }
    sql += "INSERT INTO metrics VALUES(1,2,0,10,0.5);INSERT INTO metrics VALUES(1,2,1,20,0.75);"
           "INSERT INTO metrics VALUES(1,2,2,30,0.875);INSERT INTO metrics VALUES(2,1,5,40,-1e300);"
           "COMMIT;";
    exec_sql(path, sql);
    return loss;
}

void expect_v1_content(const std::string& path, const std::vector<V1Point>& loss) {
    RunReader reader(path);
    EXPECT_EQ(reader.schema_version(), kSchemaVersion);
    const auto runs = reader.list_runs();
    ASSERT_EQ(runs.size(), 2u);
    const RunRecord& first = runs[1];
    EXPECT_EQ(first.name, "first");
    EXPECT_EQ(first.preset, "mlp-fashion");
    EXPECT_EQ(first.status, "completed");
    EXPECT_EQ(first.config_json, R"({"epochs":3})");
    EXPECT_EQ(first.summary_json, R"({"test_accuracy":0.87})");
    EXPECT_DOUBLE_EQ(first.test_accuracy.value_or(0), 0.87);
    EXPECT_TRUE(first.tags.empty());
    EXPECT_EQ(first.notes, "");
    EXPECT_FALSE(first.archived);
    EXPECT_EQ(runs[0].status, "interrupted");
    EXPECT_FALSE(runs[0].test_accuracy.has_value());

    EXPECT_EQ(reader.series_names(1), (std::vector<std::string>{"test/accuracy", "train/loss"}));
    const auto s = reader.load_series(1, {"train/loss", "test/accuracy"});
    ASSERT_EQ(s[0].value.size(), loss.size());
    for (std::size_t i = 0; i < loss.size(); ++i) {
        ASSERT_EQ(s[0].step[i], loss[i].step);
        ASSERT_EQ(s[0].time_ns[i], loss[i].time_ns);
        ASSERT_EQ(s[0].value[i], loss[i].value) << "bit-exact at " << i;
    }
    EXPECT_EQ(s[1].value, (std::vector<double>{0.5, 0.75, 0.875}));
    EXPECT_EQ(s[1].time_ns, (std::vector<std::int64_t>{10, 20, 30}));
    const auto other = reader.load_series(2);
    ASSERT_EQ(other.size(), 1u);
    EXPECT_EQ(other[0].value, std::vector<double>{-1e300});
    EXPECT_EQ(reader.events(1).at(0).message, "epoch 1 done");
    EXPECT_EQ(reader.artifacts(1).at(0).bytes, 42);
    EXPECT_EQ(scalar(path, "SELECT count(*) FROM sqlite_master WHERE name='metrics'"), "0") << "old table dropped";
    EXPECT_EQ(scalar(path, "PRAGMA integrity_check"), "ok");
}

std::vector<double> load_values(const std::string& db, RunId run, const std::string& name) {
    RunReader reader(db);
    auto s = reader.load_series(run, {name});
    return s.at(0).value;
}

}  // namespace

TEST(HistorySchema, UpgradesVersion1InPlaceThroughTheWriter) {
    TempDir dir;
    const std::string db = dir.file("v1.db");
    const auto loss = write_v1(db);
    { auto store = RunStore::open({db}); }
    expect_v1_content(db, loss);
    // The upgraded file takes new runs, tags and samples like a new one.
    tag_runs(db, {1}, {"baseline"}, {});
    EXPECT_EQ(RunReader(db).run(1)->tags, std::vector<std::string>{"baseline"});
}

TEST(HistorySchema, AReaderUpgradesVersion1Too) {
    TempDir dir;
    const std::string db = dir.file("v1.db");
    const auto loss = write_v1(db);
    expect_v1_content(db, loss);  // RunReader alone, as `sparq-cli history list` would
}

TEST(HistorySchema, AnEmptyFileBecomesTheCurrentSchema) {
    TempDir dir;
    const std::string db = dir.file("empty.db");
    exec_sql(db, "");  // a zero-page SQLite file ("version 0")
    { auto store = RunStore::open({db}); }
    EXPECT_EQ(RunReader(db).schema_version(), kSchemaVersion);
    EXPECT_EQ(scalar(db, "SELECT count(*) FROM sqlite_master WHERE name IN ('metric_blocks','run_tags')"), "2");
}

// Samples cross block and commit boundaries, arrive out of step order, and use extreme
// steps, times and values; what is read back is exactly what was published, ordered by step.
TEST(HistoryBlocks, RoundTripIsExactAcrossBlocksAndCommits) {
    TempDir dir;
    const std::string db = dir.file("h.db");
    MetricBus bus;
    RunId id = 0;
    constexpr int kN = 30000;
    {
        StoreOptions o{db};
        o.flush_interval_ms = 10;  // many commits: many chunks to merge
        auto store = RunStore::open(o);
        store->attach(bus);
        id = store->create_run({"blocks", "train", "", "{}"});
        Producer out = bus.make_producer();
        const SeriesId loss = bus.series().intern("train/loss");
        const SeriesId odd = bus.series().intern("odd");
        for (int i = 0; i < kN; ++i) {
            out.publish(id, loss, i, std::sin(i * 0.001) * 1e-3);
            if (i % 5000 == 0) store->flush();
        }
        // Steps going backwards, huge and negative values, denormals.
        const std::int64_t steps[] = {5, 3, std::numeric_limits<std::int64_t>::max(), -7,
                                      std::numeric_limits<std::int64_t>::min(), 4};
        const double values[] = {1.0, -0.0, 1e308, std::numeric_limits<double>::denorm_min(), -1e-300, 2.5};
        for (int i = 0; i < 6; ++i) out.publish(id, odd, steps[i], values[i]);
        bus.flush();  // as the engine does before a run's end
        store->finish_run(id, "completed", "{}", std::nullopt);
        store->detach();
        EXPECT_EQ(store->committed_samples(), std::uint64_t(kN + 6));
    }
    RunReader reader(db);
    const auto s = reader.load_series(id, {"train/loss", "odd"});
    ASSERT_EQ(s[0].value.size(), std::size_t(kN));
    for (int i = 0; i < kN; ++i) {
        ASSERT_EQ(s[0].step[std::size_t(i)], i);
        ASSERT_EQ(s[0].value[std::size_t(i)], std::sin(i * 0.001) * 1e-3);
    }
    for (std::size_t i = 1; i < s[0].time_ns.size(); ++i) ASSERT_GE(s[0].time_ns[i], s[0].time_ns[i - 1]);
    EXPECT_EQ(s[1].step, (std::vector<std::int64_t>{std::numeric_limits<std::int64_t>::min(), -7, 3, 4, 5,
                                                    std::numeric_limits<std::int64_t>::max()}));
    EXPECT_EQ(s[1].value[0], -1e-300);
    EXPECT_EQ(s[1].value[1], std::numeric_limits<double>::denorm_min());
    EXPECT_EQ(s[1].value[5], 1e308);
    EXPECT_TRUE(std::signbit(s[1].value[2])) << "-0.0 kept";
    // A finished run's chunks are merged: the loss is ceil(30000 / 8192) = 4 blocks.
    EXPECT_EQ(scalar(db, "SELECT count(*) FROM metric_blocks WHERE run_id=" + std::to_string(id) +
                             " AND series_id=(SELECT id FROM series WHERE name='train/loss')"),
              "4");
    EXPECT_EQ(scalar(db, "SELECT sum(count) FROM metric_blocks"), std::to_string(kN + 6));
}

TEST(HistoryBlocks, ADamagedBlockIsReportedNamingTheFile) {
    TempDir dir;
    const std::string db = dir.file("h.db");
    MetricBus bus;
    RunId id = 0;
    {
        auto store = RunStore::open({db});
        store->attach(bus);
        id = store->create_run({"r", "train", "", "{}"});
        Producer out = bus.make_producer();
        const SeriesId s = bus.series().intern("x");
        for (int i = 0; i < 100; ++i) out.publish(id, s, i, i);
        store->finish_run(id, "completed", "{}", std::nullopt);
    }
    exec_sql(db, "UPDATE metric_blocks SET data = substr(data, 1, 500)");
    try {
        load_values(db, id, "x");
        FAIL() << "expected StoreError";
    } catch (const StoreError& e) {
        EXPECT_EQ(e.kind(), StoreError::Kind::Damaged);
        EXPECT_NE(std::string(e.what()).find(db), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("damaged sample block"), std::string::npos) << e.what();
    }
}

// A size limit stands in for a full disk: the samples stop with an error event on the run,
// what was committed before stays, the run still ends, the file stays consistent.
TEST(HistoryFullDisk, SamplesStopWithAnErrorEventAndTheHistoryStaysIntact) {
    TempDir dir;
    const std::string db = dir.file("h.db");
    RunId keep = 0, id = 0;
    {
        auto store = RunStore::open({db});
        keep = store->create_run({"earlier", "train", "", R"({"a":1})"});
        store->finish_run(keep, "completed", R"({"test_accuracy":0.9})", 0.9);
    }
    MetricBus bus;
    std::uint64_t before_full = 0;
    {
        StoreOptions o{db};
        o.max_db_bytes = 400 * 1024;
        auto store = RunStore::open(o);
        store->attach(bus);
        id = store->create_run({"filling", "train", "", "{}"});
        Producer out = bus.make_producer();
        const SeriesId s = bus.series().intern("noise");
        std::mt19937_64 rng(1);
        out.publish(id, s, 0, 1.0);
        bus.flush();
        store->flush();
        before_full = store->committed_samples();
        ASSERT_EQ(before_full, 1u);
        for (int i = 1; i < 200000; ++i) out.publish(id, s, i, double(rng()));
        bus.flush();
        store->flush();
        store->finish_run(id, "completed", "{}", std::nullopt);
        store->detach();
        EXPECT_LT(store->committed_samples(), 200000u) << "the limit was hit";
    }
    EXPECT_EQ(scalar(db, "PRAGMA integrity_check"), "ok");
    RunReader reader(db);
    EXPECT_EQ(reader.run(keep)->summary_json, R"({"test_accuracy":0.9})");
    EXPECT_EQ(reader.run(id)->status, "completed");
    bool error_event = false;
    for (const auto& e : reader.events(id))
        error_event |= e.level == "error" && e.message.find("disk full") != std::string::npos;
    EXPECT_TRUE(error_event);
    const auto values = reader.load_series(id, {"noise"}).at(0).value;
    ASSERT_GE(values.size(), 1u);
    EXPECT_EQ(values[0], 1.0) << "samples committed before the disk filled are kept";
}

TEST(HistoryEdit, TagsNotesNamesAndArchive) {
    TempDir dir;
    const std::string db = dir.file("h.db");
    RunId a = 0, b = 0;
    {
        auto store = RunStore::open({db});
        a = store->create_run({"a", "train", "mlp-fashion", "{}"});
        store->finish_run(a, "completed", "{}", 0.8);
        b = store->create_run({"b", "quantize", "", "{}"});
        store->finish_run(b, "completed", "{}", 0.7);
    }
    tag_runs(db, {a, b}, {"  sweep-1 ", "int8"}, {});
    tag_runs(db, {b}, {"best"}, {"int8"});
    tag_runs(db, {a}, {"sweep-1"}, {});  // adding twice keeps one
    set_notes(db, a, "lr too high?\nsecond line");
    rename_run(db, b, "  int8 calibration  ");
    set_archived(db, {a}, true);

    RunReader reader(db);
    const RunRecord ra = *reader.run(a), rb = *reader.run(b);
    EXPECT_EQ(ra.tags, (std::vector<std::string>{"int8", "sweep-1"}));
    EXPECT_EQ(rb.tags, (std::vector<std::string>{"best", "sweep-1"}));
    EXPECT_EQ(ra.notes, "lr too high?\nsecond line");
    EXPECT_EQ(rb.name, "int8 calibration");
    EXPECT_TRUE(ra.archived);
    EXPECT_FALSE(rb.archived);

    // The shared filter: archived runs are hidden unless asked for.
    RunFilter f;
    EXPECT_FALSE(matches(ra, f));
    EXPECT_TRUE(matches(rb, f));
    f.include_archived = true;
    f.tag = "int8";
    EXPECT_TRUE(matches(ra, f));
    EXPECT_FALSE(matches(rb, f));
    f.tag.clear();
    f.text = "TOO HIGH";
    EXPECT_TRUE(matches(ra, f)) << "notes are searched, case-insensitively";
    EXPECT_FALSE(matches(rb, f));
    f.text = "best";
    EXPECT_TRUE(matches(rb, f)) << "tags are searched";
    f = RunFilter{};
    f.kind = "quantize";
    EXPECT_TRUE(matches(rb, f));
    f.since_ns = rb.created_ns + 1;
    EXPECT_FALSE(matches(rb, f));

    set_archived(db, {a}, false);
    EXPECT_FALSE(RunReader(db).run(a)->archived);

    // Bad input changes nothing and says why.
    EXPECT_THROW(tag_runs(db, {a}, {" "}, {}), StoreError);
    EXPECT_THROW(tag_runs(db, {a}, {"x,y"}, {}), StoreError);
    EXPECT_THROW(tag_runs(db, {a, 999}, {"new"}, {}), StoreError);
    EXPECT_EQ(RunReader(db).run(a)->tags, (std::vector<std::string>{"int8", "sweep-1"}));
    EXPECT_THROW(rename_run(db, a, "   "), StoreError);
    EXPECT_THROW(set_notes(db, 999, "x"), StoreError);

    // Deleting removes tags and blocks with the run.
    EXPECT_EQ(delete_runs(db, {a}), 1u);
    EXPECT_EQ(scalar(db, "SELECT count(*) FROM run_tags WHERE run_id=" + std::to_string(a)), "0");
}

TEST(HistoryEdit, MoveAsideKeepsTheDamagedFileAndFreesThePath) {
    TempDir dir;
    const std::string db = dir.file("h.db");
    exec_sql(db, "CREATE TABLE customers(id INTEGER); INSERT INTO customers VALUES(1);");
    try {
        RunStore::open({db});
        FAIL();
    } catch (const StoreError& e) {
        EXPECT_EQ(e.kind(), StoreError::Kind::Foreign);
    }
    const std::string moved = move_aside(db);
    EXPECT_NE(moved.find("h.db.damaged-"), std::string::npos) << moved;
    EXPECT_EQ(scalar(moved, "SELECT count(*) FROM customers"), "1") << "nothing lost";
    auto store = RunStore::open({db});  // a fresh history where the old one was
    EXPECT_GT(store->create_run({"fresh", "train", "", "{}"}), 0);
}

// A run whose process died (kill -9) stays "running" in the file until a writer opens it; every
// reader shows it as interrupted at once, and a live writer's run as running.
TEST(HistoryStatus, ARunOfADeadProcessReadsAsInterrupted) {
    TempDir dir;
    const std::string db = dir.file("h.db");
    auto store = RunStore::open({db});
    const RunId live = store->create_run({"live", "train", "", "{}"});
    const RunId dead = store->create_run({"dead", "train", "", "{}"});
    store->flush();
    // A process that has ended: its pid names no process any more.
    const pid_t child = fork();
    if (child == 0) _exit(0);
    ASSERT_GT(child, 0);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    exec_sql(db, "UPDATE runs SET pid=" + std::to_string(child) + " WHERE id=" + std::to_string(dead));
    EXPECT_EQ(scalar(db, "SELECT status FROM runs WHERE id=" + std::to_string(dead)), "running");

    const RunReader reader(db);
    const auto d = reader.run(dead);
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(d->status, "interrupted");
    EXPECT_GT(d->ended_ns, 0);
    EXPECT_EQ(reader.run(live)->status, "running");
    // Listings and their filters see the same.
    int interrupted = 0;
    for (const auto& r : reader.list_runs(0)) interrupted += r.status == "interrupted";
    EXPECT_EQ(interrupted, 1);
    store->finish_run(live, "completed", "{}", std::nullopt);
}

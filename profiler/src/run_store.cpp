#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <functional>
#include <future>
#include <iostream>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "sparq/profiler/run_store.h"
#include "run_liveness.h"
#include "sample_block.h"
#include "sqlite_db.h"

namespace sparq::profiler {

namespace {

constexpr std::int64_t kHeartbeatPeriodNs = 1'000'000'000;

std::string xdg_data_home() {
    if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) return x;
    const char* home = std::getenv("HOME");
    return std::string(home && *home ? home : ".") + "/.local/share";
}

}  // namespace

double RunRecord::duration_s() const {
    const std::int64_t end = ended_ns ? ended_ns : (started_ns ? wall_ns() : 0);
    return started_ns && end > started_ns ? double(end - started_ns) / 1e9 : 0.0;
}

std::string default_db_path() { return xdg_data_home() + "/sparq/history.db"; }
std::string default_workspace_root() { return xdg_data_home() + "/sparq/runs"; }

// ---------------------------------------------------------------- writer

struct RunStore::Impl final : MetricSubscriber {
    Impl(const StoreOptions& o)
        : options(o), db(o.path, sql::Db::Mode::ReadWrite, o.busy_timeout_ms),
          host(this_host()), wall_offset_ns(wall_ns() - now_ns()) {
        if (o.max_db_bytes > 0) {
            sql::Stmt ps = db.prepare("PRAGMA page_size");
            ps.step();
            const std::int64_t pages = std::max<std::int64_t>(1, o.max_db_bytes / ps.i64(0));
            db.exec("PRAGMA max_page_count=" + std::to_string(pages));
        }
        mark_interrupted();
        writer = std::thread([this] { loop(); });
    }

    ~Impl() override {
        {
            std::lock_guard lock(mutex);
            stopping = true;
        }
        wake.notify_one();
        drained.notify_all();
        writer.join();
    }

    // Bus consumer thread: queue the batch for the writer. When the writer falls behind by
    // more than kMaxPending samples, wait for it: the back-pressure reaches the producers
    // through the bus's rings instead of growing this queue without bound.
    void on_samples(const Sample* s, std::size_t n) override {
        std::unique_lock lock(mutex);
        if (pending.size() >= kMaxPending) {
            wake.notify_one();
            drained.wait(lock, [&] { return pending.size() < kMaxPending || stopping; });
        }
        pending.insert(pending.end(), s, s + n);
    }

    // Queues an operation for the writer thread and, if wait, blocks until its transaction
    // committed; throws StoreError when that transaction failed.
    void submit(std::function<void(sql::Db&)> op, bool wait) {
        std::uint64_t ticket = 0;
        {
            std::lock_guard lock(mutex);
            ops.push_back(std::move(op));
            if (wait) ticket = ++flush_requested;
        }
        if (!wait) return;
        wake.notify_one();
        std::unique_lock lock(mutex);
        done.wait(lock, [&] { return flush_done >= ticket; });
        if (ticket >= failed_from && ticket <= failed_to) throw StoreError(failed_what, failed_kind);
    }

    void mark_interrupted() {
        sql::Stmt q = db.prepare(
            "SELECT id, pid, host, heartbeat_ns FROM runs WHERE status IN ('running','queued')");
        sql::Stmt upd = db.prepare(
            "UPDATE runs SET status='interrupted', "
            "ended_ns=CASE WHEN heartbeat_ns>0 THEN heartbeat_ns ELSE started_ns END WHERE id=?");
        std::vector<RunId> dead;
        const std::int64_t now = wall_ns();
        while (q.step())
            if (!run_writer_alive(q.text(2), q.i64(1), q.i64(3), now, host)) dead.push_back(q.i64(0));
        // Each dead run is marked and its leftover chunks packed, in one transaction.
        for (RunId id : dead) {
            db.exec("BEGIN IMMEDIATE");
            try {
                upd.bind(1, id).run();
                sql::compact_run_blocks(db, id);
                db.exec("COMMIT");
            } catch (...) {
                sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
                throw;
            }
        }
    }

    std::int64_t series_db_id(SeriesId sid) {
        auto it = series_ids.find(sid);
        if (it != series_ids.end()) return it->second;
        const std::string name = registry ? registry->name(sid) : std::string();
        const std::string key = name.empty() ? "series/" + std::to_string(sid) : name;
        sql::Stmt ins = db.prepare("INSERT OR IGNORE INTO series(name) VALUES(?)");
        ins.bind(1, key).run();
        sql::Stmt sel = db.prepare("SELECT id FROM series WHERE name=?");
        sel.bind(1, key);
        sel.step();
        const std::int64_t id = sel.i64(0);
        series_ids.emplace(sid, id);
        return id;
    }

    // Samples of one (run, series) not yet in a full block. The samples [0, written) sit in
    // the chunk rows already committed; a full block replaces its chunks, so every sample
    // is written at most twice however slowly its series grows.
    struct OpenBlock {
        sql::SampleColumns samples;
        std::size_t written = 0;
        std::vector<std::int64_t> chunk_rows;
    };
    static std::uint64_t block_key(RunId run, std::int64_t series) {
        return (std::uint64_t(run) << 32) ^ std::uint64_t(series);
    }

    void replace_chunks(sql::BlockWriter& blocks, std::uint64_t key, OpenBlock& ob) {
        for (std::int64_t row : ob.chunk_rows) blocks.remove(row);
        blocks.insert(std::int64_t(key >> 32), std::int64_t(key & 0xffffffffu), ob.samples);
        ob.samples.clear();
        ob.chunk_rows.clear();
        ob.written = 0;
    }

    // Returns the number of samples stored.
    std::size_t write_samples(const std::vector<Sample>& samples) {
        sql::BlockWriter blocks(db);
        std::size_t stored = 0;
        std::uint64_t last_key = ~0ull;
        OpenBlock* ob = nullptr;
        for (const Sample& s : samples) {
            // NaN would poison the series' statistics; a diverged series shows as a gap.
            if (!std::isfinite(s.value)) continue;
            const std::uint64_t key = block_key(s.run, series_db_id(s.series));
            if (key != last_key) {
                ob = &open_blocks[key];
                last_key = key;
            }
            ob->samples.push(s.step, s.time_ns + wall_offset_ns, s.value);
            ++stored;
            if (ob->samples.size() == sql::kBlockSamples) replace_chunks(blocks, key, *ob);
        }
        // Whatever is left becomes a chunk, so that a commit holds every sample received.
        for (auto it = open_blocks.begin(); it != open_blocks.end();) {
            OpenBlock& b = it->second;
            if (b.samples.size() > b.written) {
                b.chunk_rows.push_back(blocks.insert(std::int64_t(it->first >> 32),
                                                     std::int64_t(it->first & 0xffffffffu),
                                                     b.samples, b.written, b.samples.size()));
                b.written = b.samples.size();
            }
            // A finished run's chunks are merged into one block and forgotten.
            if (!live_runs.count(RunId(it->first >> 32))) {
                if (b.chunk_rows.size() > 1) replace_chunks(blocks, it->first, b);
                it = open_blocks.erase(it);
            } else {
                ++it;
            }
        }
        return stored;
    }

    // One transaction; returns the number of samples stored.
    std::size_t write_batch(std::vector<std::function<void(sql::Db&)>>& batch_ops,
                            std::vector<Sample>& samples, bool heartbeat) {
        std::size_t stored = 0;
        db.exec("BEGIN");
        try {
            for (auto& op : batch_ops) op(db);
            if (!samples.empty() && !disk_full) stored = write_samples(samples);
            if (heartbeat && !live_runs.empty()) {
                sql::Stmt hb = db.prepare("UPDATE runs SET heartbeat_ns=? WHERE id=?");
                const std::int64_t now = wall_ns();
                for (RunId id : live_runs) hb.bind(1, now).bind(2, id).run();
            }
            db.exec("COMMIT");
            return stored;
        } catch (...) {
            sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
            // The in-memory chunk bookkeeping may name rows the rollback removed: start the
            // open blocks afresh (their samples were in the lost batch or are committed).
            open_blocks.clear();
            throw;
        }
    }

    // The disk (or the size limit) is full: stop storing samples, keep what is committed,
    // and tell each live run why its curves end here.
    void stop_samples_on_full_disk(const std::string& what) {
        disk_full = true;
        const std::int64_t now = wall_ns();
        for (RunId id : live_runs) {
            try {
                db.prepare("INSERT INTO events(run_id, time_ns, level, kind, message) "
                           "VALUES(?,?,'error','store',?)")
                    .bind(1, std::int64_t(id)).bind(2, now)
                    .bind(3, "samples are no longer recorded: " + what)
                    .run();
            } catch (const StoreError&) {
                // Not even the event fits; stderr has the message.
            }
        }
    }

    void loop() {
        std::int64_t last_heartbeat = 0;
        for (;;) {
            std::vector<std::function<void(sql::Db&)>> batch_ops;
            std::vector<Sample> samples;
            std::uint64_t ticket;
            bool stop;
            std::function<void(std::uint64_t)> callback;
            {
                std::unique_lock lock(mutex);
                wake.wait_for(lock, std::chrono::milliseconds(options.flush_interval_ms), [&] {
                    return stopping || flush_requested > flush_done || pending.size() >= kMaxPending;
                });
                batch_ops.assign(std::make_move_iterator(ops.begin()),
                                 std::make_move_iterator(ops.end()));
                ops.clear();
                samples.swap(pending);
                drained.notify_all();
                ticket = flush_requested;
                stop = stopping;
                callback = commit_callback;
            }
            const std::int64_t now = now_ns();
            const bool heartbeat = now - last_heartbeat >= kHeartbeatPeriodNs;
            if (!batch_ops.empty() || !samples.empty() || (heartbeat && !live_runs.empty())) {
                try {
                    const std::size_t stored = write_batch(batch_ops, samples, heartbeat);
                    if (heartbeat) last_heartbeat = now;
                    committed += stored;
                    if (callback) callback(committed);
                } catch (const std::exception& e) {
                    std::cerr << "sparq: " << e.what() << "\n";
                    // A full disk stops the samples for good; the batch's other writes (a
                    // run's end, events) are small and are tried once more without them.
                    const auto* store_error = dynamic_cast<const StoreError*>(&e);
                    bool recovered = false;
                    if (store_error && store_error->kind() == StoreError::Kind::Full && !disk_full) {
                        stop_samples_on_full_disk(e.what());
                        std::vector<Sample> none;
                        try {
                            write_batch(batch_ops, none, heartbeat);
                            recovered = true;
                        } catch (const std::exception& again) {
                            std::cerr << "sparq: " << again.what() << "\n";
                        }
                    }
                    // Otherwise the batch is lost and callers waiting on it get the error;
                    // later batches try again (a lock held by another process is usually
                    // temporary).
                    if (!recovered) {
                        std::lock_guard lock(mutex);
                        failed_from = flush_done + 1;
                        failed_to = ticket;
                        failed_what = e.what();
                        failed_kind = store_error ? store_error->kind() : StoreError::Kind::Other;
                    }
                }
            }
            {
                std::lock_guard lock(mutex);
                flush_done = std::max(flush_done, ticket);
            }
            done.notify_all();
            if (stop) {
                std::lock_guard lock(mutex);
                if (ops.empty() && pending.empty()) break;
            }
        }
    }

    StoreOptions options;
    sql::Db db;  // owned by the writer thread after construction
    std::string host;
    std::int64_t wall_offset_ns;
    std::unordered_map<SeriesId, std::int64_t> series_ids;  // writer thread only
    std::unordered_set<RunId> live_runs;                     // writer thread only
    std::unordered_map<std::uint64_t, OpenBlock> open_blocks;  // writer thread only
    bool disk_full = false;                                  // writer thread only
    std::uint64_t committed = 0;                             // writer thread only
    std::function<void(std::uint64_t)> commit_callback;  // guarded by mutex
    SeriesRegistry* registry = nullptr;
    MetricBus* bus = nullptr;

    std::mutex mutex;
    static constexpr std::size_t kMaxPending = 1 << 21;  // ~2M samples, 80 MB
    std::condition_variable wake, done, drained;
    std::vector<Sample> pending;
    std::deque<std::function<void(sql::Db&)>> ops;
    std::uint64_t flush_requested = 0, flush_done = 0;
    std::uint64_t failed_from = 1, failed_to = 0;  // tickets of the last failed transaction
    std::string failed_what;
    StoreError::Kind failed_kind = StoreError::Kind::Other;
    bool stopping = false;
    std::thread writer;
};

RunStore::RunStore() = default;

std::unique_ptr<RunStore> RunStore::open(const StoreOptions& options) {
    if (options.path.empty()) throw StoreError("no history database path given");
    StoreOptions o = options;
    o.flush_interval_ms = std::clamp(o.flush_interval_ms, 10, 1000);
    auto impl = std::make_unique<Impl>(o);  // throws before any RunStore exists
    std::unique_ptr<RunStore> store(new RunStore());
    store->impl_ = std::move(impl);
    return store;
}

RunStore::~RunStore() {
    detach();
}

const std::string& RunStore::path() const { return impl_->options.path; }

RunId RunStore::create_run(const NewRun& run) {
    RunId id = 0;
    const std::string host = impl_->host;
    impl_->submit(
        [&, host](sql::Db& db) {
            const std::int64_t now = wall_ns();
            sql::Stmt ins = db.prepare(
                "INSERT INTO runs(name, kind, preset, status, created_ns, started_ns, "
                "heartbeat_ns, pid, host, build) VALUES(?,?,?,'running',?,?,?,?,?,?)");
            ins.bind(1, run.name).bind(2, run.kind).bind(3, run.preset).bind(4, now)
                .bind(5, now).bind(6, now).bind(7, std::int64_t(getpid())).bind(8, host)
                .bind(9, std::string_view("sparq " __DATE__));
            ins.run();
            id = db.last_insert_id();
            if (id > 0xffffffffLL)
                throw StoreError("history database " + db.path() + " ran out of run ids");
            sql::Stmt cfg = db.prepare("INSERT INTO run_config(run_id, config_json) VALUES(?,?)");
            cfg.bind(1, id).bind(2, run.config_json).run();
            impl_->live_runs.insert(id);
        },
        true);
    return id;
}

void RunStore::finish_run(RunId id, const std::string& status, const std::string& summary_json,
                          std::optional<double> test_accuracy) {
    impl_->submit(
        [=](sql::Db& db) {
            sql::Stmt upd = db.prepare(
                "UPDATE runs SET status=?, ended_ns=?, heartbeat_ns=?, summary_json=?, "
                "test_accuracy=? WHERE id=?");
            const std::int64_t now = wall_ns();
            upd.bind(1, status).bind(2, now).bind(3, now).bind(4, summary_json);
            if (test_accuracy) upd.bind(5, *test_accuracy); else upd.bind_null(5);
            upd.bind(6, id).run();
            impl_->live_runs.erase(id);
        },
        true);
}

void RunStore::add_event(RunId id, const std::string& level, const std::string& kind,
                         const std::string& message) {
    const std::int64_t t = wall_ns();
    impl_->submit(
        [=](sql::Db& db) {
            db.prepare("INSERT INTO events(run_id, time_ns, level, kind, message) "
                       "VALUES(?,?,?,?,?)")
                .bind(1, id).bind(2, t).bind(3, level).bind(4, kind).bind(5, message)
                .run();
        },
        false);
}

void RunStore::add_artifact(RunId id, const std::string& kind, const std::string& path,
                            std::int64_t bytes) {
    const std::int64_t t = wall_ns();
    impl_->submit(
        [=](sql::Db& db) {
            db.prepare("INSERT INTO artifacts(run_id, kind, path, bytes, time_ns) "
                       "VALUES(?,?,?,?,?)")
                .bind(1, id).bind(2, kind).bind(3, path).bind(4, bytes).bind(5, t).run();
        },
        false);
}

void RunStore::attach(MetricBus& bus) {
    detach();
    impl_->registry = &bus.series();
    impl_->bus = &bus;
    bus.subscribe(impl_.get());
}

void RunStore::detach() {
    if (impl_->bus) {
        impl_->bus->flush();
        impl_->bus->unsubscribe(impl_.get());
        impl_->bus = nullptr;
    }
    flush();
}

void RunStore::flush() {
    impl_->submit([](sql::Db&) {}, true);
}

void RunStore::on_commit(std::function<void(std::uint64_t)> callback) {
    std::lock_guard lock(impl_->mutex);
    impl_->commit_callback = std::move(callback);
}

std::uint64_t RunStore::committed_samples() const {
    const_cast<RunStore*>(this)->flush();
    return impl_->committed;
}

}  // namespace sparq::profiler

#include <algorithm>
#include <unordered_map>

#include "sparq/profiler/run_store.h"
#include "run_liveness.h"
#include "sample_block.h"
#include "sqlite_db.h"

namespace sparq::profiler {

struct RunReader::Impl {
    Impl(const std::string& path, int timeout) : db(path, sql::Db::Mode::ReadOnly, timeout) {}
    sql::Db db;
};

RunReader::RunReader(const std::string& path, int busy_timeout_ms)
    : impl_(std::make_unique<Impl>(path, busy_timeout_ms)) {}
RunReader::~RunReader() = default;

namespace {

constexpr const char* kRunColumns =
    "SELECT r.id, r.name, r.kind, r.preset, r.status, r.created_ns, r.started_ns, r.ended_ns, "
    "r.host, r.build, COALESCE(c.config_json, '{}'), r.summary_json, r.test_accuracy, "
    "r.notes, r.archived, "
    "(SELECT group_concat(t.tag, char(10)) FROM run_tags t WHERE t.run_id = r.id), "
    "r.pid, r.heartbeat_ns "
    "FROM runs r LEFT JOIN run_config c ON c.run_id = r.id ";

RunRecord read_run(const sql::Stmt& s) {
    RunRecord r;
    r.id = s.i64(0);
    r.name = s.text(1);
    r.kind = s.text(2);
    r.preset = s.text(3);
    r.status = s.text(4);
    r.created_ns = s.i64(5);
    r.started_ns = s.i64(6);
    r.ended_ns = s.i64(7);
    r.host = s.text(8);
    r.build = s.text(9);
    r.config_json = s.text(10);
    r.summary_json = s.text(11);
    if (!s.is_null(12)) r.test_accuracy = s.f64(12);
    r.notes = s.text(13);
    r.archived = s.i64(14) != 0;
    const std::string tags = s.text(15);
    for (std::size_t at = 0; at < tags.size();) {
        const std::size_t nl = std::min(tags.find('\n', at), tags.size());
        r.tags.push_back(tags.substr(at, nl - at));
        at = nl + 1;
    }
    std::sort(r.tags.begin(), r.tags.end());
    // A live status whose writer died (killed, crashed) reads as interrupted, for every reader,
    // whether or not a writer has opened the file since.
    if (is_live_status(r.status)) {
        static const std::string here = this_host();
        const std::int64_t heartbeat = s.i64(17);
        if (!run_writer_alive(r.host, s.i64(16), heartbeat, wall_ns(), here)) {
            r.status = "interrupted";
            if (r.ended_ns == 0) r.ended_ns = heartbeat > 0 ? heartbeat : r.started_ns;
        }
    }
    return r;
}

}  // namespace

std::vector<RunRecord> RunReader::list_runs(int limit) const {
    std::string q = std::string(kRunColumns) + "ORDER BY r.id DESC";
    if (limit > 0) q += " LIMIT " + std::to_string(limit);
    sql::Stmt s = impl_->db.prepare(q);
    std::vector<RunRecord> out;
    while (s.step()) out.push_back(read_run(s));
    return out;
}

std::optional<RunRecord> RunReader::run(RunId id) const {
    sql::Stmt s = impl_->db.prepare(std::string(kRunColumns) + "WHERE r.id = ?");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_run(s);
}

std::vector<std::string> RunReader::series_names(RunId id) const {
    sql::Stmt s = impl_->db.prepare(
        "SELECT name FROM series WHERE id IN (SELECT DISTINCT series_id FROM metric_blocks "
        "WHERE run_id = ?) ORDER BY name");
    s.bind(1, id);
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.text(0));
    return out;
}

std::vector<SeriesPoints> RunReader::load_series(RunId id,
                                                 const std::vector<std::string>& names) const {
    const std::vector<std::string> wanted = names.empty() ? series_names(id) : names;
    sql::Stmt s = impl_->db.prepare(
        "SELECT b.count, b.data FROM metric_blocks b JOIN series n ON n.id = b.series_id "
        "WHERE b.run_id = ? AND n.name = ? ORDER BY b.id");
    sql::Stmt total = impl_->db.prepare(
        "SELECT sum(b.count) FROM metric_blocks b JOIN series n ON n.id = b.series_id "
        "WHERE b.run_id = ? AND n.name = ?");
    std::vector<SeriesPoints> out;
    sql::SampleColumns c;
    for (const std::string& name : wanted) {
        c.clear();
        total.bind(1, id).bind(2, name);
        if (total.step()) {  // one allocation per column instead of a doubling series
            const auto n = std::size_t(std::max<std::int64_t>(0, total.i64(0)));
            c.step.reserve(n);
            c.time_ns.reserve(n);
            c.value.reserve(n);
        }
        total.reset();
        s.bind(1, id).bind(2, name);
        while (s.step()) decode_block(s.blob(1), std::size_t(s.i64(0)), c, impl_->db.path());
        s.reset();
        SeriesPoints p;
        p.name = name;
        // Blocks hold samples in arrival order; callers get them by step, then time.
        auto before = [&](std::size_t a, std::size_t b) {
            return c.step[a] != c.step[b] ? c.step[a] < c.step[b] : c.time_ns[a] < c.time_ns[b];
        };
        bool sorted = true;
        for (std::size_t i = 1; i < c.size() && sorted; ++i) sorted = !before(i, i - 1);
        if (sorted) {
            p.step = std::move(c.step);
            p.time_ns = std::move(c.time_ns);
            p.value = std::move(c.value);
        } else {
            std::vector<std::size_t> order(c.size());
            for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
            std::stable_sort(order.begin(), order.end(), before);
            p.step.reserve(order.size());
            p.time_ns.reserve(order.size());
            p.value.reserve(order.size());
            for (std::size_t i : order) {
                p.step.push_back(c.step[i]);
                p.time_ns.push_back(c.time_ns[i]);
                p.value.push_back(c.value[i]);
            }
        }
        out.push_back(std::move(p));
    }
    return out;
}

std::vector<RunEvent> RunReader::events(RunId id) const {
    sql::Stmt s = impl_->db.prepare(
        "SELECT time_ns, level, kind, message FROM events WHERE run_id = ? ORDER BY id");
    s.bind(1, id);
    std::vector<RunEvent> out;
    while (s.step()) out.push_back({s.i64(0), s.text(1), s.text(2), s.text(3)});
    return out;
}

std::vector<Artifact> RunReader::artifacts(RunId id) const {
    sql::Stmt s = impl_->db.prepare(
        "SELECT kind, path, bytes, time_ns FROM artifacts WHERE run_id = ? ORDER BY id");
    s.bind(1, id);
    std::vector<Artifact> out;
    while (s.step()) out.push_back({s.text(0), s.text(1), s.i64(2), s.i64(3)});
    return out;
}

int RunReader::schema_version() const { return impl_->db.schema_version(); }

}  // namespace sparq::profiler

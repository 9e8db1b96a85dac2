#include "sample_block.h"

#include <algorithm>
#include <cstring>

namespace sparq::profiler::sql {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the block codec stores doubles as the little-endian bytes in memory");

namespace {

constexpr std::uint8_t kCodec = 1;

inline std::uint64_t zigzag(std::int64_t v) {
    return (std::uint64_t(v) << 1) ^ std::uint64_t(v >> 63);
}
inline std::int64_t unzigzag(std::uint64_t u) {
    return std::int64_t(u >> 1) ^ -std::int64_t(u & 1);
}

inline void put_varint(std::string& out, std::uint64_t v) {
    char buf[10];
    int n = 0;
    while (v >= 0x80) {
        buf[n++] = char(v | 0x80);
        v >>= 7;
    }
    buf[n++] = char(v);
    out.append(buf, std::size_t(n));
}

// Reads one varint from [p, end); returns false on truncation or overlong encoding.
inline bool get_varint(const unsigned char*& p, const unsigned char* end, std::uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64 && p < end; shift += 7) {
        const unsigned char b = *p++;
        v |= std::uint64_t(b & 0x7f) << shift;
        if (!(b & 0x80)) return true;
    }
    return false;
}

}  // namespace

void encode_block(const SampleColumns& c, std::size_t from, std::size_t to, std::string& out) {
    const std::size_t n = to - from;
    out.clear();
    out.reserve(1 + n * 8 + n * 4);
    out.push_back(char(kCodec));
    out.append(reinterpret_cast<const char*>(c.value.data() + from), n * sizeof(double));
    std::int64_t step = 0, time = 0;
    for (std::size_t i = from; i < to; ++i) {
        // Differences wrap in unsigned arithmetic and unwrap the same way: exact for any
        // int64 pair.
        put_varint(out, zigzag(std::int64_t(std::uint64_t(c.step[i]) - std::uint64_t(step))));
        put_varint(out, zigzag(std::int64_t(std::uint64_t(c.time_ns[i]) - std::uint64_t(time))));
        step = c.step[i];
        time = c.time_ns[i];
    }
}

void decode_block(std::string_view data, std::size_t count, SampleColumns& out,
                  const std::string& path) {
    auto damaged = [&](const char* why) {
        return StoreError("history database " + path + " has a damaged sample block (" + why +
                              "); move it aside or pass --db with another file",
                          StoreError::Kind::Damaged);
    };
    const auto* p = reinterpret_cast<const unsigned char*>(data.data());
    const auto* end = p + data.size();
    if (data.empty() || *p != kCodec) throw damaged("unknown codec");
    ++p;
    if (std::size_t(end - p) < count * sizeof(double)) throw damaged("truncated values");
    const std::size_t base = out.size();
    out.value.resize(base + count);
    std::memcpy(out.value.data() + base, p, count * sizeof(double));
    p += count * sizeof(double);
    out.step.resize(base + count);
    out.time_ns.resize(base + count);
    std::int64_t step = 0, time = 0;
    for (std::size_t i = 0; i < count; ++i) {
        std::uint64_t ds, dt;
        if (!get_varint(p, end, ds) || !get_varint(p, end, dt)) {
            out.step.resize(base);
            out.time_ns.resize(base);
            out.value.resize(base);
            throw damaged("truncated steps");
        }
        step = std::int64_t(std::uint64_t(step) + std::uint64_t(unzigzag(ds)));
        time = std::int64_t(std::uint64_t(time) + std::uint64_t(unzigzag(dt)));
        out.step[base + i] = step;
        out.time_ns[base + i] = time;
    }
    if (p != end) {
        out.step.resize(base);
        out.time_ns.resize(base);
        out.value.resize(base);
        throw damaged("trailing bytes");
    }
}

BlockWriter::BlockWriter(Db& db)
    : db_(db),
      insert_(db.prepare("INSERT INTO metric_blocks(run_id, series_id, count, first_step, "
                         "last_step, first_time_ns, last_time_ns, data) VALUES(?,?,?,?,?,?,?,?)")),
      remove_(db.prepare("DELETE FROM metric_blocks WHERE id = ?")) {}

std::int64_t BlockWriter::insert(std::int64_t run, std::int64_t series, const SampleColumns& c,
                                 std::size_t from, std::size_t to) {
    if (to == 0) to = c.size();
    encode_block(c, from, to, buffer_);
    insert_.bind(1, run)
        .bind(2, series)
        .bind(3, std::int64_t(to - from))
        .bind(4, c.step[from])
        .bind(5, c.step[to - 1])
        .bind(6, c.time_ns[from])
        .bind(7, c.time_ns[to - 1])
        .bind_blob(8, buffer_.data(), buffer_.size());
    insert_.run();
    return db_.last_insert_id();
}

void BlockWriter::remove(std::int64_t block_id) { remove_.bind(1, block_id).run(); }

void compact_run_blocks(Db& db, std::int64_t run) {
    std::vector<std::int64_t> loose;  // series with more blocks than they need
    {
        Stmt q = db.prepare(
            "SELECT series_id, count(*), sum(count) FROM metric_blocks WHERE run_id = ? GROUP BY series_id");
        q.bind(1, run);
        while (q.step()) {
            const std::int64_t needed = (q.i64(2) + std::int64_t(kBlockSamples) - 1) / std::int64_t(kBlockSamples);
            if (q.i64(1) > needed) loose.push_back(q.i64(0));
        }
    }
    if (loose.empty()) return;
    BlockWriter out(db);
    Stmt blocks = db.prepare("SELECT id, count, data FROM metric_blocks WHERE run_id = ? AND series_id = ? ORDER BY id");
    for (std::int64_t series : loose) {
        SampleColumns all;
        std::vector<std::int64_t> ids;
        blocks.bind(1, run).bind(2, series);
        while (blocks.step()) {
            ids.push_back(blocks.i64(0));
            decode_block(blocks.blob(2), std::size_t(blocks.i64(1)), all, db.path());
        }
        blocks.reset();
        for (std::int64_t id : ids) out.remove(id);
        for (std::size_t from = 0; from < all.size(); from += kBlockSamples)
            out.insert(run, series, all, from, std::min(all.size(), from + kBlockSamples));
    }
}

}  // namespace sparq::profiler::sql

#pragma once
// Samples are stored in blocks: one row per (run, series, up to kBlockSamples samples), the
// samples packed in a BLOB. A million samples cost about 12 MB instead of ~47 MB as rows,
// are written with a few row inserts instead of a million, and read back with one decode.
//
// BLOB layout (codec 1, little-endian):
//   u8      codec = 1
//   f64[n]  values, raw IEEE doubles (exact; training curves do not compress well anyway)
//   varint  per sample: zigzag(step - previous step), zigzag(time_ns - previous time_ns),
//           the first sample's deltas taken from 0
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sqlite_db.h"

namespace sparq::profiler::sql {

inline constexpr std::size_t kBlockSamples = 8192;

/// Column-wise samples of one series.
struct SampleColumns {
    std::vector<std::int64_t> step, time_ns;
    std::vector<double> value;

    std::size_t size() const { return value.size(); }
    bool empty() const { return value.empty(); }
    void push(std::int64_t s, std::int64_t t, double v) {
        step.push_back(s);
        time_ns.push_back(t);
        value.push_back(v);
    }
    void clear() {
        step.clear();
        time_ns.clear();
        value.clear();
    }
};

/// Encodes samples [from, to) of `columns` into `out` (replacing its content).
void encode_block(const SampleColumns& columns, std::size_t from, std::size_t to,
                  std::string& out);
/// Appends the `count` samples of a block to `out`; throws StoreError (Damaged) naming
/// `path` when the bytes are not a well-formed block of that many samples.
void decode_block(std::string_view data, std::size_t count, SampleColumns& out,
                  const std::string& path);

/// Inserts blocks into metric_blocks with one prepared statement.
class BlockWriter {
public:
    explicit BlockWriter(Db& db);
    /// Inserts samples [from, to) (all when to == 0) as one block; returns its row id.
    std::int64_t insert(std::int64_t run, std::int64_t series, const SampleColumns& columns,
                        std::size_t from = 0, std::size_t to = 0);
    void remove(std::int64_t block_id);

private:
    Db& db_;
    Stmt insert_, remove_;
    std::string buffer_;
};

/// Repacks a run's blocks into full ones wherever a series has more blocks than its samples
/// need (the chunks a killed writer left behind). Call inside a transaction.
void compact_run_blocks(Db& db, std::int64_t run);

}  // namespace sparq::profiler::sql

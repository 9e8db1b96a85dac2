#pragma once
// The one record that flows through Sparq's metric bus: 32 bytes, trivially copyable,
// written on hot paths without locks or allocation.
#include <cstdint>
#include <type_traits>

namespace sparq::profiler {

/// Store-assigned run identifier (SQLite rowid). Samples carry it in 32 bits; the store
/// refuses to hand out larger ids.
using RunId = std::int64_t;
/// Interned series name (see SeriesRegistry).
using SeriesId = std::uint32_t;

struct Sample {
    std::int64_t step = 0;     // training step, epoch or other monotone counter of the series
    std::int64_t time_ns = 0;  // steady-clock nanoseconds (now_ns())
    double value = 0.0;
    std::uint32_t run = 0;     // RunId of the run the value belongs to
    SeriesId series = 0;
};
static_assert(sizeof(Sample) == 32, "Sample must stay a fixed 32-byte record");
static_assert(std::is_trivially_copyable_v<Sample>);

/// Steady-clock time in nanoseconds, the time base of every sample.
std::int64_t now_ns() noexcept;
/// Wall-clock nanoseconds since the Unix epoch, for run start/end stamps.
std::int64_t wall_ns() noexcept;

}  // namespace sparq::profiler

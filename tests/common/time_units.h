#pragma once
// Time units of the metric bus's samples (steady-clock nanoseconds), for tests.
#include <cstdint>

namespace sparq::test {

inline constexpr std::int64_t kMs = 1'000'000;  // nanoseconds in a millisecond

}  // namespace sparq::test

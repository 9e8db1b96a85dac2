#pragma once
// Side-by-side timing: two paths alternated in short rounds, so that both see the same
// machine state (the machines are shared and noisy), medians of per-call time.
#include <algorithm>
#include <chrono>
#include <utility>
#include <vector>

namespace sparq::engine {

inline double median_of(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

/// Calls a(i) and b(i) in alternating rounds of `per_round` calls until `seconds` have passed
/// (and at least 5 rounds each); returns the median milliseconds per call of a and of b.
template <class A, class B>
std::pair<double, double> alternate_medians(A&& a, B&& b, double seconds, int per_round = 20) {
    using Clock = std::chrono::steady_clock;
    std::vector<double> ms[2];
    const auto t_end = Clock::now() + std::chrono::duration<double>(seconds);
    std::size_t next = 0;
    while (Clock::now() < t_end || ms[0].size() < 5) {
        for (int path = 0; path < 2; ++path) {
            const auto t0 = Clock::now();
            for (int i = 0; i < per_round; ++i) path == 0 ? a(next + i) : b(next + i);
            ms[path].push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count() / per_round);
        }
        next += per_round;
    }
    return {median_of(ms[0]), median_of(ms[1])};
}

}  // namespace sparq::engine

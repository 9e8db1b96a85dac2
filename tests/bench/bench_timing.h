#pragma once
// Mean wall time of `reps` calls after one warm-up call, for the hand-run kernel benchmarks.
#include <chrono>

template <class F>
double time_ms(F&& f, int reps) {
    f();
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < reps; ++i) f();
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / reps;
}

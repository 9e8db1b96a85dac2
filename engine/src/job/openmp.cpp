#include "sparq/engine/openmp.h"

#include <unistd.h>

#include <cstdlib>

namespace sparq::engine {

namespace {

// "default": set by the re-execution; any other value (off) keeps OpenMP's own defaults.
constexpr const char* kMarker = "SPARQ_OPENMP";
constexpr const char* kSpinCount = "1000";  // a few microseconds of spinning (BENCHMARKS: 300 and 3000 measured too)
constexpr const char* kBlockTimeMs = "1";

bool set(const char* name) {
    const char* v = std::getenv(name);
    return v && *v;
}

}  // namespace

void use_yielding_openmp(char** argv) {
    if (set("OMP_WAIT_POLICY") || set("GOMP_SPINCOUNT") || set("KMP_BLOCKTIME") || set(kMarker)) return;
    setenv("GOMP_SPINCOUNT", kSpinCount, 1);
    setenv("KMP_BLOCKTIME", kBlockTimeMs, 1);
    setenv(kMarker, "default", 1);
    execv("/proc/self/exe", argv);
    // Not re-executed (no /proc?): run on with OpenMP's defaults, and say so in the logs.
    unsetenv("GOMP_SPINCOUNT");
    unsetenv("KMP_BLOCKTIME");
    setenv(kMarker, "failed", 1);
}

std::string openmp_wait_setting() {
    const char* marker = std::getenv(kMarker);
    if (marker && std::string(marker) == "default") return std::string("GOMP_SPINCOUNT=") + kSpinCount + " (Sparq's default)";
    for (const char* name : {"OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "KMP_BLOCKTIME"})
        if (set(name)) return std::string(name) + "=" + std::getenv(name) + " (environment)";
    return "OpenMP's defaults";
}

}  // namespace sparq::engine

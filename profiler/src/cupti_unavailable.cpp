// CuptiCollector in a build without the CUDA toolkit: it says so and never starts.
#include "sparq/profiler/gpu_collectors.h"

namespace sparq::profiler {

struct CuptiCollector::Impl {};

CuptiCollector::CuptiCollector() : impl_(std::make_unique<Impl>()) {}
CuptiCollector::~CuptiCollector() = default;

std::unique_ptr<CuptiCollector> CuptiCollector::start(MetricBus&, RunId, int, std::string* why) {
    if (why) *why = "this Sparq was built without the CUDA toolkit, so CUPTI is not available";
    return nullptr;
}

void CuptiCollector::flush() {}
std::vector<KernelStats> CuptiCollector::kernels() const { return {}; }
std::uint64_t CuptiCollector::dropped_records() const { return 0; }

bool cupti_built() { return false; }

}  // namespace sparq::profiler

#pragma once
// Where a job runs. Every spec has a `device` field ("auto", "cpu", "cuda", "cuda:N"); the
// engine resolves it once, when the job is submitted, and every log line, stored event,
// summary and label names the device that ran. Asking for a GPU where none can run is an error,
// never a silent CPU run.
#include <string>
#include <vector>

namespace sparq::engine {

struct Device {
    std::string name = "cpu";   // "cpu" | "cuda:N": what summaries and series record
    std::string label = "cpu";  // for people: "cpu", "cuda:0 (NVIDIA H200)"
    bool cuda = false;
    int index = -1;             // CUDA device index
};

/// Resolves a device request for a job. `cuda_reason_not` says why this job cannot run on a
/// GPU (empty when it can): "auto" then means the CPU, and "cuda" is refused with that reason.
/// "auto" is the first CUDA device when this build's LibTorch has CUDA, a device is visible and
/// the job can use it; else the CPU. Throws ConfigError for a malformed request, a CUDA request
/// on a build or machine without one (saying which), or a device index that does not exist.
Device resolve_device(const std::string& request, const std::string& cuda_reason_not = {});

/// What this build can run here: "cpu", then one label per visible CUDA device.
std::vector<std::string> available_devices();

/// Why this machine cannot run CUDA jobs ("this LibTorch (1.13.1) was built without CUDA",
/// "no CUDA device is visible"), or empty when it can.
std::string cuda_unavailable_reason();

}  // namespace sparq::engine

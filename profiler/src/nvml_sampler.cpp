// NvmlSampler: NVML loaded with dlopen, so that a machine without the NVIDIA driver builds,
// starts and runs everything else.
#include <dlfcn.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "sparq/profiler/gpu_collectors.h"

namespace sparq::profiler {

namespace {

// The few NVML C types and constants this sampler uses, declared here because nvml.h is not
// on every build machine. NVML's C ABI is stable for these: the structs and the _v2 entry
// points below have kept their layout and meaning since NVML 5 (driver 319).
using nvmlReturn_t = int;
using nvmlDevice_t = struct nvmlDevice_st*;
struct nvmlUtilization_t {
    unsigned int gpu;     // percent of the period with a kernel running
    unsigned int memory;  // percent of the period with device memory being read or written
};
struct nvmlMemory_t {
    unsigned long long total, free, used;  // bytes
};
constexpr nvmlReturn_t NVML_SUCCESS = 0;
constexpr nvmlReturn_t NVML_ERROR_INVALID_ARGUMENT = 2;
constexpr nvmlReturn_t NVML_ERROR_NO_PERMISSION = 4;
constexpr nvmlReturn_t NVML_ERROR_DRIVER_NOT_LOADED = 9;
constexpr nvmlReturn_t NVML_ERROR_LIB_RM_VERSION_MISMATCH = 18;
constexpr int NVML_CLOCK_SM = 1;
constexpr unsigned NVML_NAME_BUFFER = 96;  // NVML_DEVICE_NAME_V2_BUFFER_SIZE

struct NvmlApi {
    void* lib = nullptr;
    nvmlReturn_t (*init)() = nullptr;
    nvmlReturn_t (*shutdown)() = nullptr;
    const char* (*error_string)(nvmlReturn_t) = nullptr;
    nvmlReturn_t (*handle_by_index)(unsigned, nvmlDevice_t*) = nullptr;
    nvmlReturn_t (*name)(nvmlDevice_t, char*, unsigned) = nullptr;
    nvmlReturn_t (*utilization)(nvmlDevice_t, nvmlUtilization_t*) = nullptr;
    nvmlReturn_t (*memory)(nvmlDevice_t, nvmlMemory_t*) = nullptr;
    nvmlReturn_t (*power_mw)(nvmlDevice_t, unsigned*) = nullptr;
    nvmlReturn_t (*clock_mhz)(nvmlDevice_t, int, unsigned*) = nullptr;

    std::string error(nvmlReturn_t rc) const {
        const char* s = error_string ? error_string(rc) : nullptr;
        return std::string(s ? s : "unknown NVML error") + " (NVML code " + std::to_string(rc) + ")";
    }
};

template <typename F>
bool bind(void* lib, const char* symbol, F& fn, std::string* missing) {
    fn = reinterpret_cast<F>(dlsym(lib, symbol));
    if (!fn && missing->empty()) *missing = symbol;
    return fn != nullptr;
}

// What to do about an nvmlInit failure, by cause.
std::string init_fix(nvmlReturn_t rc) {
    switch (rc) {
    case NVML_ERROR_DRIVER_NOT_LOADED:
        return "the NVIDIA kernel driver is not loaded: load it (modprobe nvidia) or reinstall the driver; "
               "`nvidia-smi` must list the GPU";
    case NVML_ERROR_LIB_RM_VERSION_MISMATCH:
        return "libnvidia-ml and the loaded kernel driver are different versions (usually after a driver "
               "upgrade): reboot, or reload the nvidia kernel modules";
    case NVML_ERROR_NO_PERMISSION:
        return "this user may not open the GPU device files (/dev/nvidia*): add it to the group that owns "
               "them (often `video`) or fix their permissions";
    default:
        return "check the NVIDIA driver installation: `nvidia-smi` must list the GPU";
    }
}

}  // namespace

struct NvmlSampler::Impl {
    NvmlApi api;
    bool initialized = false;
    nvmlDevice_t device = nullptr;
    std::string name;
    int period_ms = 100;
    RunId run = 0;
    Producer out;
    SeriesId util = 0, mem_mb = 0, power_w = 0, sm_clock = 0;

    std::mutex wake_mutex;
    std::condition_variable wake;
    bool stop = false;
    std::thread thread;

    ~Impl() {
        if (thread.joinable()) {
            {
                std::lock_guard lock(wake_mutex);
                stop = true;
            }
            wake.notify_all();
            thread.join();
        }
        if (initialized) api.shutdown();
        // The library stays loaded: NVML keeps its own reference count across init/shutdown,
        // and unloading a driver library under other users in the process gains nothing.
    }

    void loop() {
        std::int64_t step = 0;
        std::unique_lock lock(wake_mutex);
        while (!wake.wait_for(lock, std::chrono::milliseconds(period_ms), [this] { return stop; })) {
            lock.unlock();
            sample(step++);
            lock.lock();
        }
    }

    // A query that fails (power is not supported on every board, for example) leaves that
    // series without a sample rather than publishing a made-up value.
    void sample(std::int64_t step) {
        nvmlUtilization_t u{};
        if (api.utilization(device, &u) == NVML_SUCCESS) out.publish(run, util, step, u.gpu / 100.0);
        nvmlMemory_t m{};
        if (api.memory(device, &m) == NVML_SUCCESS) out.publish(run, mem_mb, step, double(m.used) / (1024.0 * 1024.0));
        unsigned mw = 0;
        if (api.power_mw(device, &mw) == NVML_SUCCESS) out.publish(run, power_w, step, mw / 1000.0);
        unsigned mhz = 0;
        if (api.clock_mhz(device, NVML_CLOCK_SM, &mhz) == NVML_SUCCESS) out.publish(run, sm_clock, step, double(mhz));
    }
};

NvmlSampler::NvmlSampler() : impl_(std::make_unique<Impl>()) {}
NvmlSampler::~NvmlSampler() = default;

const std::string& NvmlSampler::device_name() const { return impl_->name; }

std::unique_ptr<NvmlSampler> NvmlSampler::start(MetricBus& bus, RunId run, int device, int period_ms,
                                                std::string* why) {
    std::string scratch;
    std::string& reason = why ? *why : scratch;
    reason.clear();

    std::unique_ptr<NvmlSampler> s(new NvmlSampler());
    Impl& im = *s->impl_;
    NvmlApi& api = im.api;
    api.lib = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!api.lib) api.lib = dlopen("libnvidia-ml.so", RTLD_NOW | RTLD_LOCAL);
    if (!api.lib) {
        reason = "NVML not available (libnvidia-ml.so.1 not found: no NVIDIA driver on this machine); "
                 "GPU utilization, memory and power are not sampled";
        return nullptr;
    }
    std::string missing;
    bind(api.lib, "nvmlInit_v2", api.init, &missing);
    bind(api.lib, "nvmlShutdown", api.shutdown, &missing);
    bind(api.lib, "nvmlErrorString", api.error_string, &missing);
    bind(api.lib, "nvmlDeviceGetHandleByIndex_v2", api.handle_by_index, &missing);
    bind(api.lib, "nvmlDeviceGetName", api.name, &missing);
    bind(api.lib, "nvmlDeviceGetUtilizationRates", api.utilization, &missing);
    bind(api.lib, "nvmlDeviceGetMemoryInfo", api.memory, &missing);
    bind(api.lib, "nvmlDeviceGetPowerUsage", api.power_mw, &missing);
    bind(api.lib, "nvmlDeviceGetClockInfo", api.clock_mhz, &missing);
    if (!missing.empty()) {
        reason = "NVML not usable: libnvidia-ml.so.1 has no " + missing +
                 " (the NVIDIA driver is too old); update the driver. GPU utilization, memory and power are "
                 "not sampled";
        return nullptr;
    }

    if (const nvmlReturn_t rc = api.init(); rc != NVML_SUCCESS) {
        reason = "NVML failed to initialize: " + api.error(rc) + "; " + init_fix(rc) +
                 ". GPU utilization, memory and power are not sampled";
        return nullptr;
    }
    im.initialized = true;

    if (device < 0) {
        reason = "NVML: GPU index " + std::to_string(device) + " is negative; pass 0 for the first GPU";
        return nullptr;
    }
    if (const nvmlReturn_t rc = api.handle_by_index(unsigned(device), &im.device); rc != NVML_SUCCESS) {
        reason = "NVML has no GPU " + std::to_string(device) + ": " + api.error(rc) +
                 (rc == NVML_ERROR_INVALID_ARGUMENT ? "; `nvidia-smi -L` lists the GPU indices" : "") +
                 ". GPU utilization, memory and power are not sampled";
        return nullptr;
    }
    char name[NVML_NAME_BUFFER] = {};
    im.name = api.name(im.device, name, sizeof name) == NVML_SUCCESS ? name : "GPU " + std::to_string(device);

    im.run = run;
    im.period_ms = period_ms > 0 ? period_ms : 100;
    im.util = bus.series().intern("nvml/gpu_util");
    im.mem_mb = bus.series().intern("nvml/mem_used_mb");
    im.power_w = bus.series().intern("nvml/power_w");
    im.sm_clock = bus.series().intern("nvml/sm_clock_mhz");
    im.out = bus.make_producer();
    im.thread = std::thread([&im] { im.loop(); });
    return s;
}

}  // namespace sparq::profiler

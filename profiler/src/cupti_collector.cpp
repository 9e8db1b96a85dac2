// CuptiCollector: the CUPTI Activity API, built when the CUDA toolkit is found (SPARQ_HAVE_CUPTI).
//
// CUPTI hands activity buffers back through process-wide C callbacks, so one collector is active
// per process. The callbacks run on CUPTI's or the application's threads and only move buffers
// between states of a pool allocated at start (atomics, no lock, no allocation); the flush thread
// parses them, computes the window metrics one period late (so late records still land in their
// window) and publishes.
//
// The driver API (device limits, versions) is loaded with dlopen: linking libcuda would keep every
// program that links the profiler from starting on a machine with the toolkit but no driver.
#include <cuda.h>
#include <cupti.h>
#include <cxxabi.h>
#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "sparq/profiler/gpu_collectors.h"

namespace sparq::profiler {

namespace {

// Record layouts of the toolkit this is compiled with. Only fields present since CUDA 11
// (start, end, grid, block, registers, shared memory, name, bytes) are read, at offsets that
// newer record versions keep, so a newer libcupti than the headers still parses correctly.
#if CUDA_VERSION >= 13000
using KernelActivity = CUpti_ActivityKernel10;
using MemcpyActivity = CUpti_ActivityMemcpy6;
using OverheadActivity = CUpti_ActivityOverhead3;
#elif CUDA_VERSION >= 12000
using KernelActivity = CUpti_ActivityKernel9;
using MemcpyActivity = CUpti_ActivityMemcpy5;
using OverheadActivity = CUpti_ActivityOverhead;
#elif CUDA_VERSION >= 11060
using KernelActivity = CUpti_ActivityKernel7;
using MemcpyActivity = CUpti_ActivityMemcpy5;
using OverheadActivity = CUpti_ActivityOverhead;
#elif CUDA_VERSION >= 11000
using KernelActivity = CUpti_ActivityKernel5;
using MemcpyActivity = CUpti_ActivityMemcpy4;
using OverheadActivity = CUpti_ActivityOverhead;
#else
#error "the CUPTI collector needs CUDA 11 or newer; configure with -DSPARQ_WITH_CUDA=OFF for older toolkits"
#endif

constexpr CUpti_ActivityKind kKinds[] = {CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL, CUPTI_ACTIVITY_KIND_MEMCPY,
                                         CUPTI_ACTIVITY_KIND_MEMSET, CUPTI_ACTIVITY_KIND_OVERHEAD};
constexpr std::size_t kBufferBytes = 1 << 20;  // a few thousand kernel records
constexpr std::size_t kBuffers = 32;

std::string version_text(int v) {  // 12040 -> "12.4"
    return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
}

// ------------------------------------------------------------------ driver API, loaded at run time

struct DriverApi {
    void* lib = nullptr;
    decltype(&::cuInit) init = nullptr;
    decltype(&::cuDriverGetVersion) driver_version = nullptr;
    decltype(&::cuDeviceGet) device_get = nullptr;
    decltype(&::cuDeviceGetAttribute) attribute = nullptr;
    decltype(&::cuCtxGetDevice) ctx_device = nullptr;
    decltype(&::cuGetErrorName) error_name = nullptr;

    bool load() {
        lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
        if (!lib) return false;
        init = reinterpret_cast<decltype(init)>(dlsym(lib, "cuInit"));
        driver_version = reinterpret_cast<decltype(driver_version)>(dlsym(lib, "cuDriverGetVersion"));
        device_get = reinterpret_cast<decltype(device_get)>(dlsym(lib, "cuDeviceGet"));
        attribute = reinterpret_cast<decltype(attribute)>(dlsym(lib, "cuDeviceGetAttribute"));
        ctx_device = reinterpret_cast<decltype(ctx_device)>(dlsym(lib, "cuCtxGetDevice"));
        error_name = reinterpret_cast<decltype(error_name)>(dlsym(lib, "cuGetErrorName"));
        return init && driver_version && device_get && attribute;
    }
    std::string error(CUresult rc) const {
        const char* s = nullptr;
        if (error_name) error_name(rc, &s);
        return (s ? std::string(s) : "CUDA error") + " (" + std::to_string(int(rc)) + ")";
    }
};

DeviceLimits device_limits(const DriverApi& cu, CUdevice dev) {
    DeviceLimits d;
    auto get = [&](CUdevice_attribute a, int& field) {
        int v = 0;
        if (cu.attribute(&v, a, dev) == CUDA_SUCCESS && v > 0) field = v;
    };
    get(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, d.sm_count);
    get(CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR, d.max_threads_per_sm);
    get(CU_DEVICE_ATTRIBUTE_MAX_BLOCKS_PER_MULTIPROCESSOR, d.max_blocks_per_sm);
    get(CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_MULTIPROCESSOR, d.registers_per_sm);
    get(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR, d.shared_bytes_per_sm);
    get(CU_DEVICE_ATTRIBUTE_WARP_SIZE, d.warp_size);
    return d;
}

// ------------------------------------------------------------------ messages

struct Versions {
    int driver = 0;  // CUDA version the driver supports, 0 when unknown
    std::uint32_t cupti = 0;
    std::string text() const {
        return "driver supports CUDA " + (driver ? version_text(driver) : std::string("?")) +
               ", Sparq was built with CUDA " + version_text(CUDA_VERSION) + ", CUPTI API version " +
               std::to_string(cupti);
    }
};

std::string cupti_error(CUptiResult rc) {
    const char* s = nullptr;
    cuptiGetResultString(rc, &s);
    std::string text = s ? s : "CUPTI error " + std::to_string(int(rc));
#if CUPTI_API_VERSION >= 130000
    const char* msg = nullptr;
    if (cuptiGetErrorMessage(rc, &msg) == CUPTI_SUCCESS && msg && *msg) text += std::string(" (") + msg + ")";
#endif
    return text;
}

// The cause and the fix of a refusal, by CUPTI's result.
std::string describe_refusal(const char* call, CUptiResult rc, const Versions& v) {
    std::string m = "CUPTI refused (" + std::string(call) + ": " + cupti_error(rc) + "): ";
    switch (rc) {
    case CUPTI_ERROR_INSUFFICIENT_PRIVILEGES:
    case CUPTI_ERROR_VIRTUALIZED_DEVICE_INSUFFICIENT_PRIVILEGES:
        m += "GPU profiling is restricted to administrators on this machine (CUPTI_ERROR_INSUFFICIENT_PRIVILEGES). "
             "Fix: load the nvidia kernel module with NVreg_RestrictProfilingToAdminUsers=0 (a line "
             "`options nvidia NVreg_RestrictProfilingToAdminUsers=0` in /etc/modprobe.d/, then rebuild the "
             "initramfs and reboot), or run Sparq with admin rights";
        break;
    case CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED:
    case CUPTI_ERROR_HARDWARE_BUSY:
    case CUPTI_ERROR_OLD_PROFILER_API_INITIALIZED:
        m += "another profiler is attached to this process (Nsight Systems, Nsight Compute, or another CUPTI "
             "client); close it, or run Sparq outside it";
        break;
    case CUPTI_ERROR_NOT_INITIALIZED:
    case CUPTI_ERROR_INVALID_DEVICE:
    case CUPTI_ERROR_NOT_COMPATIBLE:
    case CUPTI_ERROR_NOT_SUPPORTED:
        m += "the NVIDIA driver is too old for this CUPTI, or no GPU is usable (" + v.text() +
             "); install a driver that supports CUDA " + version_text(CUDA_VERSION) + " or newer";
        break;
    default:
        m += "GPU activity cannot be traced here (" + v.text() + ")";
        break;
    }
    return m + ". The GPU side runs unprofiled";
}

// ------------------------------------------------------------------ the buffer pool

enum Slot : std::uint8_t { kFree, kInCupti, kCompleted };

struct BufferPool {
    std::unique_ptr<std::uint8_t[]> memory;  // kBuffers * kBufferBytes, 16-byte aligned by new[]
    std::atomic<std::uint8_t> state[kBuffers];
    std::atomic<std::size_t> valid[kBuffers];

    BufferPool() : memory(new std::uint8_t[kBuffers * kBufferBytes]) {
        for (std::size_t i = 0; i < kBuffers; ++i) {
            state[i].store(kFree, std::memory_order_relaxed);
            valid[i].store(0, std::memory_order_relaxed);
        }
    }
    std::uint8_t* buffer(std::size_t i) const { return memory.get() + i * kBufferBytes; }
    bool owns(const std::uint8_t* p, std::size_t* index) const {
        const std::uint8_t* base = memory.get();
        if (p < base || p >= base + kBuffers * kBufferBytes) return false;
        *index = std::size_t(p - base) / kBufferBytes;
        return true;
    }
    bool any_in_cupti() const {
        for (const auto& s : state)
            if (s.load(std::memory_order_acquire) == kInCupti) return true;
        return false;
    }
};

}  // namespace

// ------------------------------------------------------------------ the collector

struct CuptiCollector::Impl {
    BufferPool pool;
    DriverApi cu;
    DeviceLimits limits;
    Versions versions;
    RunId run = 0;
    std::int64_t period_ns = 100'000'000;
    std::int64_t steady_minus_cupti = 0;  // now_ns() - cuptiGetTimestamp(), for sample times

    bool active = false;  // registered as the process's collector
    bool callbacks_registered = false;
    std::vector<CUpti_ActivityKind> enabled;

    // Flush thread state, under work_mutex (the thread and flush() both process).
    std::mutex work_mutex;
    Producer out;
    SeriesId s_busy = 0, s_sm_eff = 0, s_occupancy = 0, s_memcpy = 0, s_dropped = 0, s_overhead = 0;
    std::vector<KernelRecord> pending_kernels;  // records not yet behind every window they overlap
    std::vector<MemcpyRecord> pending_memcpys;
    std::int64_t window_start = 0;  // CUPTI time of the next window to publish
    std::int64_t step = 0;
    std::int64_t overhead_ns = 0;
    std::uint64_t memsets = 0;
    std::unordered_map<std::string, std::string> demangled;
    std::string name_key;
    std::atomic<std::uint64_t> dropped{0};

    mutable std::mutex table_mutex;
    std::unordered_map<std::string, KernelStats> table;

    std::mutex wake_mutex;
    std::condition_variable wake;
    bool stop = false;
    std::thread thread;

    ~Impl();
    void loop();
    void process(bool forced);
    void drain();
    void parse(std::uint8_t* buffer, std::size_t size);
    const std::string& kernel_name(const char* mangled);
    void publish_windows(std::int64_t until);
};

namespace {

// The pool of the one active collector, and how many CUPTI callbacks are running right now
// (teardown waits for them to leave before the pool goes away).
std::atomic<BufferPool*> g_pool{nullptr};
std::atomic<int> g_in_callback{0};

void CUPTIAPI buffer_requested(std::uint8_t** buffer, std::size_t* size, std::size_t* max_records) {
    *buffer = nullptr;
    *size = 0;
    *max_records = 0;
    g_in_callback.fetch_add(1);
    if (BufferPool* pool = g_pool.load()) {
        for (std::size_t i = 0; i < kBuffers; ++i) {
            std::uint8_t expected = kFree;
            if (pool->state[i].compare_exchange_strong(expected, kInCupti, std::memory_order_acq_rel)) {
                *buffer = pool->buffer(i);
                *size = kBufferBytes;
                break;
            }
        }
        // All buffers in use: CUPTI drops records and counts them (cupti/dropped_records).
    }
    g_in_callback.fetch_sub(1);
}

void CUPTIAPI buffer_completed(CUcontext, std::uint32_t, std::uint8_t* buffer, std::size_t, std::size_t valid) {
    g_in_callback.fetch_add(1);
    std::size_t i = 0;
    if (BufferPool* pool = g_pool.load(); pool && pool->owns(buffer, &i)) {
        pool->valid[i].store(valid, std::memory_order_relaxed);
        pool->state[i].store(kCompleted, std::memory_order_release);
    }
    g_in_callback.fetch_sub(1);
}

std::int64_t cupti_now() {
    std::uint64_t t = 0;
    cuptiGetTimestamp(&t);
    return std::int64_t(t);
}

}  // namespace

CuptiCollector::Impl::~Impl() {
    if (thread.joinable()) {
        {
            std::lock_guard lock(wake_mutex);
            stop = true;
        }
        wake.notify_all();
        thread.join();
    }
    for (CUpti_ActivityKind k : enabled) cuptiActivityDisable(k);
    if (callbacks_registered) process(true);  // every buffer back, the last whole windows published
    if (active) {
        g_pool.store(nullptr);
        while (g_in_callback.load() != 0) std::this_thread::yield();
    }
    // A buffer CUPTI still holds (it did not give everything back on the forced flush) may yet be
    // written to: leave the pool allocated rather than free memory under CUPTI.
    if (pool.any_in_cupti()) (void)pool.memory.release();
}

void CuptiCollector::Impl::loop() {
    std::unique_lock lock(wake_mutex);
    while (!wake.wait_for(lock, std::chrono::nanoseconds(period_ns), [this] { return stop; })) {
        lock.unlock();
        process(false);
        lock.lock();
    }
}

void CuptiCollector::Impl::process(bool forced) {
    std::lock_guard lock(work_mutex);
    cuptiActivityFlushAll(forced ? CUPTI_ACTIVITY_FLAG_FLUSH_FORCED : 0);
    std::size_t lost = 0;
    if (cuptiActivityGetNumDroppedRecords(nullptr, 0, &lost) == CUPTI_SUCCESS && lost)
        dropped.fetch_add(lost, std::memory_order_relaxed);
    drain();
    if (!out.valid()) return;  // start failed before the series existed: nothing to publish
    // The periodic pass stays one period behind, so records CUPTI delivers late still count in
    // their window; an explicit flush has had everything handed over and closes up to now.
    const std::int64_t now = cupti_now();
    publish_windows(forced ? now : now - period_ns);
}

void CuptiCollector::Impl::drain() {
    for (std::size_t i = 0; i < kBuffers; ++i) {
        if (pool.state[i].load(std::memory_order_acquire) != kCompleted) continue;
        parse(pool.buffer(i), pool.valid[i].load(std::memory_order_relaxed));
        pool.state[i].store(kFree, std::memory_order_release);
    }
}

const std::string& CuptiCollector::Impl::kernel_name(const char* mangled) {
    name_key.assign(mangled ? mangled : "(unnamed kernel)");
    auto it = demangled.find(name_key);
    if (it != demangled.end()) return it->second;
    int status = 0;
    char* d = abi::__cxa_demangle(name_key.c_str(), nullptr, nullptr, &status);
    std::string readable = status == 0 && d ? std::string(d) : name_key;
    std::free(d);
    return demangled.emplace(name_key, std::move(readable)).first->second;
}

void CuptiCollector::Impl::parse(std::uint8_t* buffer, std::size_t size) {
    CUpti_Activity* rec = nullptr;
    std::lock_guard table_lock(table_mutex);
    while (size && cuptiActivityGetNextRecord(buffer, size, &rec) == CUPTI_SUCCESS) {
        switch (rec->kind) {
        case CUPTI_ACTIVITY_KIND_KERNEL:
        case CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL: {
            const auto* k = reinterpret_cast<const KernelActivity*>(rec);
            if (k->start == 0 || k->end <= k->start) break;  // no timing (CUPTI was short of device memory)
            KernelRecord r;  // nameless: the windows need no names, the table keeps them
            r.start_ns = std::int64_t(k->start);
            r.end_ns = std::int64_t(k->end);
            r.grid_blocks = std::int64_t(k->gridX) * k->gridY * k->gridZ;
            r.block_threads = k->blockX * k->blockY * k->blockZ;
            r.registers_per_thread = k->registersPerThread;
            r.shared_bytes = k->staticSharedMemory + k->dynamicSharedMemory;
            pending_kernels.push_back(r);
            const std::string& name = kernel_name(k->name);
            KernelStats& st = table[name];
            if (st.calls == 0) st.name = name;
            ++st.calls;
            st.total_ns += r.end_ns - r.start_ns;
            break;
        }
        case CUPTI_ACTIVITY_KIND_MEMCPY: {
            const auto* m = reinterpret_cast<const MemcpyActivity*>(rec);
            if (m->start == 0 || m->end < m->start) break;
            pending_memcpys.push_back({std::int64_t(m->start), std::int64_t(m->end), std::int64_t(m->bytes)});
            break;
        }
        case CUPTI_ACTIVITY_KIND_MEMSET:
            ++memsets;  // neither a kernel nor a copy: counted, not part of the window metrics
            break;
        case CUPTI_ACTIVITY_KIND_OVERHEAD: {
            const auto* o = reinterpret_cast<const OverheadActivity*>(rec);
            if (o->end > o->start) overhead_ns += std::int64_t(o->end - o->start);
            break;
        }
        default:
            break;
        }
    }
}

void CuptiCollector::Impl::publish_windows(std::int64_t until) {
    while (window_start + period_ns <= until) {
        const std::int64_t t0 = window_start, t1 = window_start + period_ns;
        const WindowMetrics w = window_metrics(pending_kernels, pending_memcpys, limits, t0, t1);
        const std::int64_t time = t1 + steady_minus_cupti;
        const auto emit = [&](SeriesId id, double value) {
            Sample s;
            s.step = step;
            s.time_ns = time;
            s.value = value;
            s.run = static_cast<std::uint32_t>(run);
            s.series = id;
            out.publish(s);
        };
        emit(s_busy, w.busy_fraction);
        emit(s_sm_eff, w.sm_efficiency);
        emit(s_occupancy, w.occupancy);
        emit(s_memcpy, w.memcpy_gb_per_s);
        emit(s_dropped, double(dropped.load(std::memory_order_relaxed)));
        emit(s_overhead, double(overhead_ns) / 1e6);
        ++step;
        window_start = t1;
        // Keep what overlaps a later window.
        pending_kernels.erase(std::remove_if(pending_kernels.begin(), pending_kernels.end(),
                                             [t1](const KernelRecord& k) { return k.end_ns <= t1; }),
                              pending_kernels.end());
        pending_memcpys.erase(std::remove_if(pending_memcpys.begin(), pending_memcpys.end(),
                                             [t1](const MemcpyRecord& m) { return m.end_ns <= t1; }),
                              pending_memcpys.end());
    }
}

// ------------------------------------------------------------------ public interface

CuptiCollector::CuptiCollector() : impl_(std::make_unique<Impl>()) {}
CuptiCollector::~CuptiCollector() = default;

std::unique_ptr<CuptiCollector> CuptiCollector::start(MetricBus& bus, RunId run, int period_ms, std::string* why) {
    std::string scratch;
    std::string& reason = why ? *why : scratch;
    reason.clear();

    std::unique_ptr<CuptiCollector> c(new CuptiCollector());
    Impl& im = *c->impl_;
    cuptiGetVersion(&im.versions.cupti);

    if (!im.cu.load()) {
        reason = "CUPTI not available: no NVIDIA driver on this machine (libcuda.so.1 not found; Sparq was "
                 "built with CUDA " + version_text(CUDA_VERSION) + ", CUPTI API version " +
                 std::to_string(im.versions.cupti) + "). GPU kernels are not traced";
        return nullptr;
    }
    im.cu.driver_version(&im.versions.driver);
    if (const CUresult rc = im.cu.init(0); rc != CUDA_SUCCESS) {
        std::string cause;
        if (rc == CUDA_ERROR_NO_DEVICE)
            cause = "no CUDA GPU is visible (check CUDA_VISIBLE_DEVICES and `nvidia-smi`)";
#if CUDA_VERSION >= 11010
        else if (rc == CUDA_ERROR_STUB_LIBRARY)
            cause = "the libcuda.so.1 found is the toolkit's link stub, not the driver: take the toolkit's "
                    "stubs folder out of LD_LIBRARY_PATH, or install the NVIDIA driver";
#endif
        else if (rc == CUDA_ERROR_SYSTEM_DRIVER_MISMATCH)
            cause = "libcuda and the loaded kernel driver are different versions (usually after a driver "
                    "upgrade); reboot, or reload the nvidia kernel modules";
        else if (rc == CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE)
            cause = "the NVIDIA driver is too old for this GPU's CUDA (" + im.versions.text() +
                    "); install a driver that supports CUDA " + version_text(CUDA_VERSION) + " or newer";
        else
            cause = "the CUDA driver did not initialize (" + im.versions.text() + "); check `nvidia-smi`";
        reason = "CUPTI not available: cuInit failed with " + im.cu.error(rc) + ": " + cause +
                 ". GPU kernels are not traced";
        return nullptr;
    }
    // The limits of the device this thread works on, else of GPU 0 (one device per run).
    CUdevice dev = 0;
    if (!im.cu.ctx_device || im.cu.ctx_device(&dev) != CUDA_SUCCESS) {
        if (const CUresult rc = im.cu.device_get(&dev, 0); rc != CUDA_SUCCESS) {
            reason = "CUPTI not available: no CUDA GPU 0 (" + im.cu.error(rc) + "). GPU kernels are not traced";
            return nullptr;
        }
    }
    im.limits = device_limits(im.cu, dev);

    BufferPool* none = nullptr;
    if (!g_pool.compare_exchange_strong(none, &im.pool)) {
        reason = "CUPTI collector not started: another one is already running in this process (CUPTI delivers "
                 "activity to one client); stop it first";
        return nullptr;
    }
    im.active = true;

    if (const CUptiResult rc = cuptiActivityRegisterCallbacks(buffer_requested, buffer_completed);
        rc != CUPTI_SUCCESS) {
        reason = describe_refusal("cuptiActivityRegisterCallbacks", rc, im.versions);
        return nullptr;
    }
    im.callbacks_registered = true;
    for (CUpti_ActivityKind k : kKinds) {
        if (const CUptiResult rc = cuptiActivityEnable(k); rc != CUPTI_SUCCESS) {
            reason = describe_refusal("cuptiActivityEnable", rc, im.versions);
            return nullptr;  // ~Impl disables the kinds enabled so far
        }
        im.enabled.push_back(k);
    }

    im.run = run;
    im.period_ns = std::int64_t(period_ms > 0 ? period_ms : 100) * 1'000'000;
    im.s_busy = bus.series().intern("gpu/busy");
    im.s_sm_eff = bus.series().intern("gpu/sm_efficiency");
    im.s_occupancy = bus.series().intern("gpu/occupancy");
    im.s_memcpy = bus.series().intern("gpu/memcpy_gbps");
    im.s_dropped = bus.series().intern("cupti/dropped_records");
    im.s_overhead = bus.series().intern("cupti/overhead_ms");
    im.out = bus.make_producer();
    im.window_start = cupti_now();
    im.steady_minus_cupti = now_ns() - im.window_start;
    im.thread = std::thread([&im] { im.loop(); });
    return c;
}

void CuptiCollector::flush() { impl_->process(true); }

std::vector<KernelStats> CuptiCollector::kernels() const {
    std::vector<KernelStats> rows;
    {
        std::lock_guard lock(impl_->table_mutex);
        rows.reserve(impl_->table.size());
        for (const auto& entry : impl_->table) rows.push_back(entry.second);
    }
    for (KernelStats& r : rows) r.mean_ns = r.calls ? double(r.total_ns) / double(r.calls) : 0.0;
    std::sort(rows.begin(), rows.end(), [](const KernelStats& a, const KernelStats& b) {
        return a.total_ns != b.total_ns ? a.total_ns > b.total_ns : a.name < b.name;
    });
    return rows;
}

std::uint64_t CuptiCollector::dropped_records() const { return impl_->dropped.load(std::memory_order_relaxed); }

bool cupti_built() { return true; }

}  // namespace sparq::profiler

#include "profile/op_profiler.h"

#include <ATen/record_function.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace sparq::engine::profile {

namespace {

constexpr std::size_t kSlots = 1024;   // distinct ops per thread (power of two)
constexpr std::size_t kNameBytes = 80;
constexpr int kMaxDepth = 128;

inline std::int64_t now_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Owner-only writes: a relaxed load and store, no read-modify-write.
inline void bump(std::atomic<std::int64_t>& a, std::int64_t v) {
    a.store(a.load(std::memory_order_relaxed) + v, std::memory_order_relaxed);
}

struct Slot {
    std::atomic<std::uint64_t> hash{0};  // 0 = empty; published after the name is written
    char name[kNameBytes] = {};
    std::atomic<std::int64_t> calls{0}, self_ns{0}, total_ns{0};
};

struct Frame {
    Slot* slot;  // null when the op was dropped
    std::int64_t start_ns;
    std::int64_t child_ns;
};

struct ThreadTable {
    Slot slots[kSlots];
    Frame stack[kMaxDepth];
    int depth = 0;
    std::atomic<std::int64_t> dropped{0};

    Slot* find(const char* name) {
        // FNV-1a; 0 is reserved for empty slots.
        std::uint64_t h = 1469598103934665603ull;
        std::size_t len = 0;
        for (const char* p = name; *p && len < kNameBytes - 1; ++p, ++len) h = (h ^ std::uint8_t(*p)) * 1099511628211ull;
        if (h == 0) h = 1;
        for (std::size_t i = 0; i < kSlots; ++i) {
            Slot& s = slots[(h + i) & (kSlots - 1)];
            const std::uint64_t sh = s.hash.load(std::memory_order_relaxed);
            if (sh == h && std::strncmp(s.name, name, kNameBytes - 1) == 0) return &s;
            if (sh == 0) {
                std::memcpy(s.name, name, len);
                s.name[len] = '\0';
                s.hash.store(h, std::memory_order_release);
                return &s;
            }
        }
        return nullptr;
    }
};

struct Registry {
    std::mutex mutex;
    std::vector<std::unique_ptr<ThreadTable>> tables;  // never freed: readers may hold them
    std::atomic<int> users{0};
    bool installed = false;
    at::CallbackHandle handle = 0;
};

Registry& registry() {
    static Registry* r = new Registry();  // outlives threads that still run ops at exit
    return *r;
}

ThreadTable* table_of_this_thread() {
    thread_local ThreadTable* table = nullptr;
    if (!table) {
        auto owned = std::make_unique<ThreadTable>();
        table = owned.get();
        std::lock_guard lock(registry().mutex);
        registry().tables.push_back(std::move(owned));
    }
    return table;
}

// The callback is installed only while someone profiles, and RecordFunction runs the end
// callback of every start it ran, so starts and ends pair up on each thread.
std::unique_ptr<at::ObserverContext> on_start(const at::RecordFunction& fn) {
    thread_local ThreadTable* t = nullptr;
    if (!t) t = table_of_this_thread();
    if (t->depth >= kMaxDepth) {
        ++t->depth;  // keep the pairing; the frame is not recorded
        bump(t->dropped, 1);
        return nullptr;
    }
    Slot* slot = t->find(fn.name());
    if (!slot) bump(t->dropped, 1);
    t->stack[t->depth++] = Frame{slot, now_ns(), 0};
    return nullptr;
}

void on_end(const at::RecordFunction&, at::ObserverContext*) {
    thread_local ThreadTable* t = nullptr;
    if (!t) t = table_of_this_thread();
    if (t->depth == 0) return;  // started before profiling began
    --t->depth;
    if (t->depth >= kMaxDepth) return;
    const Frame f = t->stack[t->depth];
    const std::int64_t elapsed = now_ns() - f.start_ns;
    if (t->depth > 0) t->stack[t->depth - 1].child_ns += elapsed;
    if (!f.slot) return;
    bump(f.slot->calls, 1);
    bump(f.slot->self_ns, elapsed - f.child_ns);
    bump(f.slot->total_ns, elapsed);
}

}  // namespace

OpProfiler& OpProfiler::instance() {
    static OpProfiler p;
    return p;
}

void OpProfiler::start() {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    if (!r.installed) {
        r.handle = at::addGlobalCallback(at::RecordFunctionCallback(on_start, on_end)
                                             .needsInputs(false)
                                             .needsOutputs(false)
                                             .needsIds(false)
                                             .scopes({at::RecordScope::FUNCTION, at::RecordScope::BACKWARD_FUNCTION}));
        r.installed = true;
    }
    r.users.fetch_add(1, std::memory_order_relaxed);
}

void OpProfiler::stop() {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    if (r.users.load(std::memory_order_relaxed) == 0) return;
    if (r.users.fetch_sub(1, std::memory_order_relaxed) == 1 && r.installed) {
        // Without the callback RecordFunction is skipped entirely: no cost when off.
        at::removeCallback(r.handle);
        r.installed = false;
    }
}

bool OpProfiler::active() const { return registry().users.load(std::memory_order_relaxed) > 0; }

std::vector<OpStats> OpProfiler::snapshot() const {
    Registry& r = registry();
    std::unordered_map<std::string, OpStats> sum;
    {
        std::lock_guard lock(r.mutex);
        for (const auto& t : r.tables)
            for (const Slot& s : t->slots) {
                if (s.hash.load(std::memory_order_acquire) == 0) continue;
                OpStats& o = sum[s.name];
                o.calls += s.calls.load(std::memory_order_relaxed);
                o.self_ns += s.self_ns.load(std::memory_order_relaxed);
                o.total_ns += s.total_ns.load(std::memory_order_relaxed);
            }
    }
    std::vector<OpStats> out;
    out.reserve(sum.size());
    for (auto& [name, o] : sum) {
        o.name = name;
        out.push_back(std::move(o));
    }
    std::sort(out.begin(), out.end(), [](const OpStats& a, const OpStats& b) {
        return a.self_ns != b.self_ns ? a.self_ns > b.self_ns : a.name < b.name;
    });
    return out;
}

std::int64_t OpProfiler::dropped() const {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    std::int64_t n = 0;
    for (const auto& t : r.tables) n += t->dropped.load(std::memory_order_relaxed);
    return n;
}

std::vector<OpStats> ops_between(const std::vector<OpStats>& before, const std::vector<OpStats>& after) {
    std::unordered_map<std::string, const OpStats*> old;
    for (const auto& o : before) old[o.name] = &o;
    std::vector<OpStats> out;
    for (const auto& o : after) {
        OpStats d = o;
        if (auto it = old.find(o.name); it != old.end()) {
            d.calls -= it->second->calls;
            d.self_ns -= it->second->self_ns;
            d.total_ns -= it->second->total_ns;
        }
        if (d.calls > 0) out.push_back(std::move(d));
    }
    std::sort(out.begin(), out.end(), [](const OpStats& a, const OpStats& b) {
        return a.self_ns != b.self_ns ? a.self_ns > b.self_ns : a.name < b.name;
    });
    return out;
}

}  // namespace sparq::engine::profile

#include "sparq/profiler/metric_bus.h"

#include <algorithm>
#include <chrono>

namespace sparq::profiler {

// ---------------------------------------------------------------- SeriesRegistry

SeriesId SeriesRegistry::intern(std::string_view name) {
    std::lock_guard lock(mutex_);
    auto it = ids_.find(std::string(name));
    if (it != ids_.end()) return it->second;
    const auto id = static_cast<SeriesId>(names_.size());
    names_.emplace_back(name);
    ids_.emplace(std::string(name), id);
    return id;
}

std::string SeriesRegistry::name(SeriesId id) const {
    std::lock_guard lock(mutex_);
    return id < names_.size() ? names_[id] : std::string();
}

std::vector<std::pair<SeriesId, std::string>> SeriesRegistry::all() const {
    std::lock_guard lock(mutex_);
    std::vector<std::pair<SeriesId, std::string>> out;
    for (SeriesId i = 1; i < names_.size(); ++i) out.emplace_back(i, names_[i]);
    return out;
}

// ---------------------------------------------------------------- Ring

namespace detail {

// Single-producer single-consumer ring. head_ is written by the producer only, tail_ by the
// consumer only; each side caches the other's index to touch the shared line rarely.
struct Ring {
    explicit Ring(std::size_t capacity)
        : mask(capacity - 1), slots(new Sample[capacity]) {}

    const std::size_t mask;
    std::unique_ptr<Sample[]> slots;

    alignas(64) std::atomic<std::uint64_t> head{0};  // next slot the producer writes
    std::uint64_t tail_cache = 0;                    // producer's view of tail
    std::uint64_t stalls = 0;                        // producer-owned counter
    std::atomic<std::uint64_t> stalls_published{0};

    alignas(64) std::atomic<std::uint64_t> tail{0};  // next slot the consumer reads
    std::atomic<bool> closed{false};                 // producer is gone

    void push(const Sample& s) noexcept {
        const std::uint64_t h = head.load(std::memory_order_relaxed);
        if (h - tail_cache > mask) {
            tail_cache = tail.load(std::memory_order_acquire);
            if (h - tail_cache > mask) {
                ++stalls;
                stalls_published.store(stalls, std::memory_order_relaxed);
                do {
                    std::this_thread::yield();
                    tail_cache = tail.load(std::memory_order_acquire);
                } while (h - tail_cache > mask);
            }
        }
        slots[h & mask] = s;
        head.store(h + 1, std::memory_order_release);
    }

    // Consumer side: appends everything available to out; returns the count.
    std::size_t drain(std::vector<Sample>& out) {
        const std::uint64_t t = tail.load(std::memory_order_relaxed);
        const std::uint64_t h = head.load(std::memory_order_acquire);
        if (h == t) return 0;
        const auto n = static_cast<std::size_t>(h - t);
        const std::size_t cap = mask + 1;
        const std::size_t first = t & mask;
        const std::size_t run1 = std::min(n, cap - first);
        out.insert(out.end(), slots.get() + first, slots.get() + first + run1);
        out.insert(out.end(), slots.get(), slots.get() + (n - run1));
        tail.store(h, std::memory_order_release);
        return n;
    }
};

}  // namespace detail

// ---------------------------------------------------------------- Producer

Producer::Producer(std::shared_ptr<detail::Ring> ring) : ring_(std::move(ring)) {}
Producer::Producer(Producer&&) noexcept = default;
Producer& Producer::operator=(Producer&& other) noexcept {
    if (this != &other) {
        if (ring_) ring_->closed.store(true, std::memory_order_release);
        ring_ = std::move(other.ring_);
    }
    return *this;
}
Producer::~Producer() {
    if (ring_) ring_->closed.store(true, std::memory_order_release);
}

void Producer::publish(const Sample& s) noexcept { ring_->push(s); }

void Producer::publish(RunId run, SeriesId series, std::int64_t step, double value) noexcept {
    Sample s;
    s.run = static_cast<std::uint32_t>(run);
    s.series = series;
    s.step = step;
    s.time_ns = now_ns();
    s.value = value;
    ring_->push(s);
}

std::uint64_t Producer::stalls() const noexcept {
    return ring_ ? ring_->stalls_published.load(std::memory_order_relaxed) : 0;
}

// ---------------------------------------------------------------- MetricBus

static std::size_t round_up_pow2(std::size_t n) {
    std::size_t p = 64;
    while (p < n) p <<= 1;
    return p;
}

MetricBus::MetricBus(std::size_t ring_capacity)
    : ring_capacity_(round_up_pow2(ring_capacity)) {
    batch_.reserve(ring_capacity_);
    consumer_ = std::thread([this] { consume_loop(); });
}

MetricBus::~MetricBus() {
    flush();
    {
        std::lock_guard lock(mutex_);
        stop_.store(true);
    }
    wake_.notify_one();
    consumer_.join();
}

Producer MetricBus::make_producer() {
    auto ring = std::make_shared<detail::Ring>(ring_capacity_);
    std::lock_guard lock(mutex_);
    rings_.push_back(ring);
    return Producer(std::move(ring));
}

void MetricBus::subscribe(MetricSubscriber* s) {
    std::lock_guard lock(mutex_);
    subscribers_.push_back(s);
}

void MetricBus::unsubscribe(MetricSubscriber* s) {
    std::lock_guard lock(mutex_);
    subscribers_.erase(std::remove(subscribers_.begin(), subscribers_.end(), s),
                       subscribers_.end());
}

void MetricBus::flush() {
    std::unique_lock lock(mutex_);
    const std::uint64_t ticket = ++flush_requested_;
    wake_.notify_one();
    flushed_.wait(lock, [&] { return flush_done_ >= ticket || stop_.load(); });
}

// One pass over every ring. The subscriber list and ring list are copied under the lock;
// delivery happens under the lock too so that unsubscribe() guarantees no further calls.
bool MetricBus::drain_once() {
    std::unique_lock lock(mutex_);
    const std::uint64_t ticket = flush_requested_;
    batch_.clear();
    for (auto& ring : rings_) ring->drain(batch_);
    // Drop rings whose producer is gone and which are empty. A closed ring may still receive
    // nothing more, so after this drain it is empty for good.
    rings_.erase(std::remove_if(rings_.begin(), rings_.end(),
                                [](const std::shared_ptr<detail::Ring>& r) {
                                    return r->closed.load(std::memory_order_acquire) &&
                                           r->head.load(std::memory_order_acquire) ==
                                               r->tail.load(std::memory_order_relaxed);
                                }),
                 rings_.end());
    if (!batch_.empty()) {
        for (MetricSubscriber* s : subscribers_) s->on_samples(batch_.data(), batch_.size());
        delivered_.fetch_add(batch_.size(), std::memory_order_relaxed);
    }
    if (ticket > flush_done_) {
        flush_done_ = ticket;
        flushed_.notify_all();
    }
    return !batch_.empty();
}

void MetricBus::consume_loop() {
    using namespace std::chrono_literals;
    while (!stop_.load(std::memory_order_acquire)) {
        if (drain_once()) continue;  // more may be waiting
        // Idle: producers never signal (that would cost them a syscall), so poll every 2 ms;
        // a flush() wakes the consumer at once.
        std::unique_lock lock(mutex_);
        wake_.wait_for(lock, 2ms, [&] { return stop_.load() || flush_requested_ > flush_done_; });
    }
    drain_once();
}

}  // namespace sparq::profiler

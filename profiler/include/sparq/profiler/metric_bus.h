#pragma once
// MetricBus: one lock-free single-producer ring per producer, drained in bulk by one
// consumer thread that fans batches out to subscribers (store writer, UI window, ...).
//
// Hot path: Producer::publish() is wait-free while its ring has room: no lock, no
// allocation, no system call. When the ring is full it yields until the consumer catches
// up (back-pressure instead of loss), and counts the stall.
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "sparq/profiler/sample.h"

namespace sparq::profiler {

/// Receives drained samples on the bus's consumer thread, in batches. Must not block for long
/// and must not call back into the bus.
class MetricSubscriber {
public:
    virtual ~MetricSubscriber() = default;
    virtual void on_samples(const Sample* samples, std::size_t count) = 0;
};

/// Interns series names ("train/loss") into small integer ids. Thread-safe; interning takes a
/// lock, so do it before the hot loop and keep the id.
class SeriesRegistry {
public:
    SeriesId intern(std::string_view name);
    /// Name of an interned id, or an empty string for an unknown one.
    std::string name(SeriesId id) const;
    std::vector<std::pair<SeriesId, std::string>> all() const;

private:
    mutable std::mutex mutex_;
    std::unordered_map<std::string, SeriesId> ids_;
    std::vector<std::string> names_{""};  // id 0 is "no series"
};

class MetricBus;

namespace detail {
struct Ring;
}

/// A producer's handle: owns one ring. Use from one thread at a time.
class Producer {
public:
    Producer() = default;
    Producer(Producer&&) noexcept;
    Producer& operator=(Producer&&) noexcept;
    Producer(const Producer&) = delete;
    Producer& operator=(const Producer&) = delete;
    ~Producer();

    /// Appends one sample; blocks (yielding) only while the ring is full.
    void publish(const Sample& s) noexcept;
    void publish(RunId run, SeriesId series, std::int64_t step, double value) noexcept;
    /// Times the ring was found full (each such publish waited for the consumer).
    std::uint64_t stalls() const noexcept;
    bool valid() const noexcept { return ring_ != nullptr; }

private:
    friend class MetricBus;
    explicit Producer(std::shared_ptr<detail::Ring> ring);
    std::shared_ptr<detail::Ring> ring_;
};

class MetricBus {
public:
    /// ring_capacity is rounded up to a power of two (samples per producer).
    explicit MetricBus(std::size_t ring_capacity = 1 << 14);
    ~MetricBus();
    MetricBus(const MetricBus&) = delete;
    MetricBus& operator=(const MetricBus&) = delete;

    /// Creates a producer with its own ring. Takes a lock: call outside hot loops.
    Producer make_producer();
    void subscribe(MetricSubscriber* s);
    /// After this returns the subscriber receives no further call (delivery happens under
    /// the bus's lock), so it may be destroyed.
    void unsubscribe(MetricSubscriber* s);
    /// Blocks until every sample published (by any thread) before the call has been
    /// delivered to the subscribers.
    void flush();
    SeriesRegistry& series() { return series_; }
    /// Total samples delivered so far.
    std::uint64_t delivered() const noexcept { return delivered_.load(std::memory_order_relaxed); }

private:
    void consume_loop();
    bool drain_once();

    std::size_t ring_capacity_;
    SeriesRegistry series_;
    std::mutex mutex_;  // guards rings_, subscribers_, flush state
    std::condition_variable flushed_;
    std::vector<std::shared_ptr<detail::Ring>> rings_;
    std::vector<MetricSubscriber*> subscribers_;
    std::vector<Sample> batch_;
    std::uint64_t flush_requested_ = 0;
    std::uint64_t flush_done_ = 0;
    std::atomic<std::uint64_t> delivered_{0};
    std::atomic<bool> stop_{false};
    std::condition_variable wake_;
    std::thread consumer_;
};

}  // namespace sparq::profiler

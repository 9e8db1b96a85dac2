#pragma once
// JobTracker: runs a query off the UI thread and hands its result back to a context object
// on the UI thread, dropping results of all but the newest query (after KDAB hotspot's
// jobtracker.h). The job runs on Qt's global thread pool and returns a value; `deliver`
// receives that value on the context's thread, and only if no newer job was started and the
// context still exists. A job that takes a Poster can also run calls on the context's thread
// while it works (log lines, progress), under the same rule.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <type_traits>
#include <utility>

#include <QMetaObject>
#include <QObject>
#include <QtConcurrent/QtConcurrentRun>

namespace sparq::ui {

class JobTracker {
    struct Guard;

public:
    /// Given to a job that takes one (`job(const Poster&)`): `post(fn)` runs `fn` on the
    /// context's thread, in the order posted and before the job's result is delivered, as long
    /// as the job is still the newest and the context exists. Callable from the job's thread.
    class Poster {
    public:
        template <typename Fn>
        void operator()(Fn fn) const {
            std::lock_guard lock(guard_->mutex);
            if (!guard_->context || guard_->generation.load() != gen_) return;
            QMetaObject::invokeMethod(
                guard_->context,
                [guard = guard_, gen = gen_, fn = std::move(fn)]() mutable {
                    if (guard->generation.load() == gen) fn();
                },
                Qt::QueuedConnection);
        }

    private:
        friend class JobTracker;
        Poster(std::shared_ptr<Guard> guard, std::uint64_t gen) : guard_(std::move(guard)), gen_(gen) {}
        std::shared_ptr<Guard> guard_;
        std::uint64_t gen_;
    };

    explicit JobTracker(QObject* context);
    ~JobTracker();  // results of jobs still running are dropped
    JobTracker(const JobTracker&) = delete;
    JobTracker& operator=(const JobTracker&) = delete;

    /// True while the newest job has not delivered yet.
    bool isJobRunning() const;
    std::uint64_t generation() const;

    template <typename Job, typename Deliver>
    void startJob(Job job, Deliver deliver) {
        const std::uint64_t gen = ++guard_->generation;
        guard_->running = true;
        std::shared_ptr<Guard> guard = guard_;
        (void)QtConcurrent::run([guard, gen, job = std::move(job),
                                 deliver = std::move(deliver)]() mutable {
            if (guard->generation.load() != gen) return;  // superseded before it started
            auto result = [&] {
                if constexpr (std::is_invocable_v<Job&, const Poster&>)
                    return job(Poster(guard, gen));
                else
                    return job();
            }();
            std::lock_guard lock(guard->mutex);
            if (!guard->context || guard->generation.load() != gen) return;
            QMetaObject::invokeMethod(
                guard->context,
                [guard, gen, deliver = std::move(deliver), result = std::move(result)]() mutable {
                    if (guard->generation.load() != gen) return;
                    guard->running = false;
                    deliver(std::move(result));
                },
                Qt::QueuedConnection);
        });
    }

private:
    struct Guard {
        std::mutex mutex;           // held while posting, so the context cannot go away then
        QObject* context = nullptr;  // cleared by ~JobTracker
        std::atomic<std::uint64_t> generation{0};
        std::atomic<bool> running{false};
    };
    std::shared_ptr<Guard> guard_;
};

}  // namespace sparq::ui

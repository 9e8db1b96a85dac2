#include "serve/server.h"

#include <torch/nn/functional/loss.h>
#include <torch/utils.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <deque>
#include <optional>
#include <thread>

namespace sparq::engine::serve {

namespace F = torch::nn::functional;

namespace {

using Clock = std::chrono::steady_clock;

// Right-padded prompt bytes [B, L] and lengths [B] of a batch.
std::pair<torch::Tensor, torch::Tensor> prompts(const std::string& text, const std::vector<const Request*>& batch) {
    int longest = 0;
    for (const Request* r : batch) longest = std::max(longest, r->prompt_len);
    auto tokens = torch::zeros({std::int64_t(batch.size()), longest}, torch::kLong);
    auto lengths = torch::empty({std::int64_t(batch.size())}, torch::kLong);
    auto t = tokens.accessor<std::int64_t, 2>();
    for (std::size_t b = 0; b < batch.size(); ++b) {
        const Request& r = *batch[b];
        for (int i = 0; i < r.prompt_len; ++i) t[std::int64_t(b)][i] = std::uint8_t(text[std::size_t(r.text_at + i)]);
        lengths[std::int64_t(b)] = r.prompt_len;
    }
    return {tokens, lengths};
}

// Live figures, published at most every 250 ms (and at the end).
class Live {
public:
    Live(const LiveOut& out) : out_(out) {
        if (!out_.bus) return;
        producer_.emplace(out_.bus->make_producer());
        const std::string p = "serve/" + out_.label + "/";
        for (const char* name : {"queue", "batch", "latency_p50_ms", "latency_p95_ms", "latency_p99_ms",
                                 "throughput_rps", "tokens_per_s", "padding", "kv_cache_mb"})
            ids_.push_back(out_.bus->series().intern(p + name));
    }
    enum Id { Queue, Batch, P50, P95, P99, Rps, Tps, Padding, KvMb };
    void publish(Id id, double value) {
        if (producer_) producer_->publish(out_.run, ids_[std::size_t(id)], step_++, value);
    }
    /// Whether a round of figures is due now (`force`: at the end, whatever the time).
    bool due(double now, bool force) {
        if (!producer_ || (!force && now < next_)) return false;
        next_ = now + 0.25;
        return true;
    }

private:
    LiveOut out_;
    std::optional<profiler::Producer> producer_;
    std::vector<profiler::SeriesId> ids_;
    std::int64_t step_ = 0;
    double next_ = 0;
};

class Server {
public:
    Server(TinyLm& model, const std::string& text, std::vector<Request> requests, const ServerConfig& config,
           const LiveOut& live)
        : model_(model), text_(text), requests_(std::move(requests)), config_(config), live_(live),
          t0_(Clock::now()), cpu0_(std::clock()) {
        run_.latency_ms.assign(requests_.size(), 0.0);
        run_.result.policy = config.batching.policy;
        run_.result.batch_sizes.assign(std::size_t(config.batching.max_batch) + 1, 0);
        // Open loop: every request at its time. Closed loop: one request per client now, the
        // next when it is answered.
        if (config_.closed_loop) {
            const std::size_t first = std::min(requests_.size(), std::size_t(std::max(1, config_.concurrency)));
            for (std::size_t i = 0; i < first; ++i) send(i, 0.0);
            next_unsent_ = first;
        } else {
            for (std::size_t i = 0; i < requests_.size(); ++i) pending_.push_back(i);
            next_unsent_ = requests_.size();
        }
    }

    ServerRun run() {
        torch::NoGradGuard no_grad;
        model_->eval();
        if (config_.batching.policy == "continuous")
            run_continuous();
        else
            run_batches(make_policy(config_.batching));
        finish();
        return std::move(run_);
    }

private:
    double now() const { return std::chrono::duration<double>(Clock::now() - t0_).count(); }

    void send(std::size_t i, double at) {
        requests_[i].arrival_s = at;
        pending_.push_back(i);
    }
    // Whether anything can still arrive while the policy waits: requests already sent (open
    // loop: every one not yet arrived). In a closed loop nothing else can come while no batch
    // runs, so a fixed-size FIFO with fewer clients than its batch does not wait for ever.
    bool more() const { return !pending_.empty(); }

    // Moves the requests whose time has come into the queue.
    void admit(BatchPolicy* policy) {
        const double t = now();
        while (!pending_.empty() && requests_[pending_.front()].arrival_s <= t) {
            queue_.push_back(requests_[pending_.front()]);
            if (policy) policy->on_arrival(queue_.back());
            pending_.pop_front();
        }
    }

    void sleep_until(double t) {
        const double wait = t - now();
        if (wait > 0) std::this_thread::sleep_for(std::chrono::duration<double>(std::min(wait, 0.05)));
    }

    double next_arrival() const {
        return pending_.empty() ? std::numeric_limits<double>::infinity() : requests_[pending_.front()].arrival_s;
    }

    void complete(const Request& r) {
        const double t = now();
        run_.latency_ms[std::size_t(r.id)] = (t - r.arrival_s) * 1e3;
        done_.push_back(t);
        ++completed_;
        tokens_ += r.max_new;
        recent_.push_back(run_.latency_ms[std::size_t(r.id)]);
        if (recent_.size() > 128) recent_.pop_front();
        if (config_.closed_loop && next_unsent_ < requests_.size()) send(next_unsent_++, t);
        publish_live(false);
    }

    // `waiting`: the queue before the batch left it. Static batches count in the batch-size
    // histogram; continuous batching counts its live rows per step instead.
    void dispatched(std::size_t batch, std::size_t waiting, bool static_batch) {
        queue_sum_ += double(waiting);
        max_queue_ = std::max(max_queue_, int(waiting));
        ++dispatches_;
        if (static_batch) {
            ++run_.result.batch_sizes[std::min(batch, run_.result.batch_sizes.size() - 1)];
            batch_sum_ += double(batch);
            ++batches_;
        }
        live_.publish(Live::Queue, double(waiting));
        live_.publish(Live::Batch, double(batch));
    }

    void publish_live(bool force) {
        const double t = now();
        if (!live_.due(t, force)) return;
        std::vector<double> recent(recent_.begin(), recent_.end());
        live_.publish(Live::P50, percentile(recent, 50));
        live_.publish(Live::P95, percentile(recent, 95));
        live_.publish(Live::P99, percentile(recent, 99));
        live_.publish(Live::Rps, t > 0 ? double(completed_) / t : 0.0);
        live_.publish(Live::Tps, t > 0 ? double(tokens_) / t : 0.0);
        live_.publish(Live::Padding, slots_.padding());
        live_.publish(Live::KvMb, double(kv_peak_) / 1048576.0);
    }

    void run_batches(std::unique_ptr<BatchPolicy> policy) {
        while (completed_ < requests_.size()) {
            throw_if_stopped(config_.stop);
            admit(policy.get());
            const Decision d = policy->next(queue_, now(), more());
            if (d.take.empty()) {
                sleep_until(std::min(d.wake_at_s, next_arrival()));
                continue;
            }
            std::vector<Request> batch;
            for (std::size_t i : d.take) batch.push_back(queue_[i]);
            std::vector<std::size_t> taken = d.take;
            std::sort(taken.rbegin(), taken.rend());
            for (std::size_t i : taken) queue_.erase(queue_.begin() + std::ptrdiff_t(i));
            dispatched(batch.size(), batch.size() + queue_.size(), true);
            run_static(std::move(batch));
        }
    }

    struct Prefilled {
        torch::Tensor first, lengths;  // each row's first generated byte and its prompt length
    };

    // Runs the prompts of `rows` (sorted by prompt length) as at most prefill_groups padded
    // prefills and writes their cache into rows `at` of `cache` (empty: `at` is 0..n-1 and the
    // cache is made here, `slots` slots per row). A prefill that is copied into `cache` keeps
    // only its prompt's slots. Counts the slots each prefill really ran.
    Prefilled prefill_rows(const std::vector<const Request*>& rows, std::int64_t slots, KvCache& cache,
                           std::vector<std::int64_t> at = {}) {
        std::vector<int> lens;
        for (const Request* r : rows) lens.push_back(r->prompt_len);
        const std::vector<int> groups = prefill_groups(lens, config_.batching.prefill_groups);
        const bool fresh = cache.k.empty();
        if (at.empty())
            for (std::size_t i = 0; i < rows.size(); ++i) at.push_back(std::int64_t(i));
        if (fresh && groups.size() > 1) {
            const bool ring = config_.window > 0;
            cache = model_->empty_cache(std::int64_t(rows.size()), ring ? config_.window : slots, ring);
        }
        std::vector<torch::Tensor> firsts, lengths;
        std::size_t from = 0;
        const bool in_place = fresh && groups.size() == 1;  // the prefill's cache is the batch's
        for (const int n : groups) {
            const std::vector<const Request*> part_rows(rows.begin() + std::ptrdiff_t(from),
                                                        rows.begin() + std::ptrdiff_t(from) + n);
            const auto [tokens, len] = prompts(text_, part_rows);
            KvCache part;
            const double t0 = now();
            firsts.push_back(
                model_->prefill(tokens, len, in_place ? slots : tokens.size(1), config_.window, part).argmax(-1));
            prefill_s_ += now() - t0;
            lengths.push_back(len);
            ++prefill_passes_;
            slots_.slots += std::int64_t(n) * tokens.size(1);
            for (const Request* r : part_rows) slots_.useful += r->prompt_len;
            if (in_place) {
                cache = std::move(part);
                kv_peak_ = std::max(kv_peak_, cache.bytes());
            } else {
                kv_peak_ = std::max(kv_peak_, cache.bytes() + part.bytes());
                const std::vector<std::int64_t> index(at.begin() + std::ptrdiff_t(from), at.begin() + std::ptrdiff_t(from) + n);
                cache.copy_rows_from(part, torch::tensor(index, torch::kLong));
            }
            from += std::size_t(n);
        }
        return {torch::cat(firsts), torch::cat(lengths)};
    }

    // One static batch: its prompts (see prefill_rows), then decode steps until its longest
    // output is done; each row is answered when its own output is complete. With retirement a
    // finished row leaves the batch (and its cache) before the next step; without, it runs on.
    void run_static(std::vector<Request> batch) {
        std::stable_sort(batch.begin(), batch.end(),
                         [](const Request& a, const Request& b) { return a.prompt_len < b.prompt_len; });
        std::vector<const Request*> rows;
        int longest_out = 0, longest_prompt = 0;
        for (const Request& r : batch) {
            rows.push_back(&r);
            longest_out = std::max(longest_out, r.max_new);
            longest_prompt = std::max(longest_prompt, r.prompt_len);
        }
        KvCache cache;
        Prefilled p = prefill_rows(rows, longest_prompt + longest_out, cache);
        torch::Tensor next = p.first, pos = p.lengths;
        for (const Request* r : rows)
            if (r->max_new == 1) complete(*r);
        // `made`: the bytes every row of the batch has generated so far.
        for (int made = 1; made < longest_out; ++made) {
            throw_if_stopped(config_.stop);
            if (config_.batching.retire_finished && rows.size() > 1) {
                std::vector<std::int64_t> keep;
                for (std::size_t i = 0; i < rows.size(); ++i)
                    if (rows[i]->max_new > made) keep.push_back(std::int64_t(i));
                if (keep.size() < rows.size()) {
                    const torch::Tensor index = torch::tensor(keep, torch::kLong);
                    cache.keep_rows(index);
                    next = next.index_select(0, index);
                    pos = pos.index_select(0, index);
                    std::vector<const Request*> kept;
                    for (std::int64_t i : keep) kept.push_back(rows[std::size_t(i)]);
                    rows.swap(kept);
                }
            }
            const double t0 = now();
            next = model_->decode(next, pos, cache).argmax(-1);
            decode_s_ += now() - t0;
            pos += 1;
            slots_.slots += std::int64_t(rows.size());
            for (const Request* r : rows) {
                if (r->max_new > made) ++slots_.useful;
                if (r->max_new == made + 1) complete(*r);
            }
        }
    }

    // Continuous batching: a running batch of max_batch rows; between decode steps finished
    // rows leave and waiting requests join (their prompts run as one padded prefill, their
    // cache rows copied into the running cache).
    void run_continuous() {
        const std::int64_t rows = config_.batching.max_batch;
        const std::int64_t slots = config_.window > 0 ? config_.window : config_.max_total;
        KvCache cache = model_->empty_cache(rows, slots, config_.window > 0);
        std::vector<std::optional<Request>> live(static_cast<std::size_t>(rows));
        std::vector<int> made(std::size_t(rows), 0);
        torch::Tensor token = torch::zeros({rows}, torch::kLong), pos = torch::zeros({rows}, torch::kLong);
        while (completed_ < requests_.size()) {
            throw_if_stopped(config_.stop);
            admit(nullptr);
            std::vector<std::int64_t> free;
            for (std::int64_t i = 0; i < rows; ++i)
                if (!live[std::size_t(i)]) free.push_back(i);
            if (!free.empty() && !queue_.empty()) {
                const std::size_t n = std::min(free.size(), queue_.size());
                std::vector<Request> joining(queue_.begin(), queue_.begin() + std::ptrdiff_t(n));
                queue_.erase(queue_.begin(), queue_.begin() + std::ptrdiff_t(n));
                dispatched(n, n + queue_.size(), false);
                join(joining, std::vector<std::int64_t>(free.begin(), free.begin() + std::ptrdiff_t(n)), cache, live,
                     made, token, pos);
            }
            std::int64_t running = 0;
            for (const auto& r : live) running += r.has_value();
            if (running == 0) {
                if (completed_ < requests_.size()) sleep_until(next_arrival());
                continue;
            }
            const double t0 = now();
            token = model_->decode(token, pos, cache).argmax(-1);
            decode_s_ += now() - t0;
            pos += 1;
            slots_.slots += rows;
            slots_.useful += running;
            step_rows_sum_ += double(running);
            ++steps_;
            ++run_.result.batch_sizes[std::size_t(running)];
            auto at = pos.accessor<std::int64_t, 1>();
            for (std::int64_t i = 0; i < rows; ++i) {
                auto& r = live[std::size_t(i)];
                if (r && ++made[std::size_t(i)] == r->max_new) {
                    complete(*r);
                    r.reset();
                }
                if (!r) at[i] = 0;  // an empty row idles at position 0, inside its cache
            }
        }
    }

    // Waiting requests join the running batch in free rows `at`: their prompts as at most
    // prefill_groups padded prefills, their cache rows copied into the running cache.
    void join(std::vector<Request> joining, const std::vector<std::int64_t>& at, KvCache& cache,
              std::vector<std::optional<Request>>& live, std::vector<int>& made, torch::Tensor& token,
              torch::Tensor& pos) {
        std::stable_sort(joining.begin(), joining.end(),
                         [](const Request& a, const Request& b) { return a.prompt_len < b.prompt_len; });
        std::vector<const Request*> rows;
        for (const Request& r : joining) rows.push_back(&r);
        const Prefilled p = prefill_rows(rows, cache.slots, cache, at);
        const torch::Tensor index = torch::tensor(at, torch::kLong);
        token.index_copy_(0, index, p.first);
        pos.index_copy_(0, index, p.lengths);
        for (std::size_t j = 0; j < joining.size(); ++j) {
            if (joining[j].max_new == 1) {
                complete(joining[j]);
                continue;
            }
            live[std::size_t(at[j])] = joining[j];
            made[std::size_t(at[j])] = 1;
        }
    }

    void finish() {
        ServeResult& r = run_.result;
        const double first = requests_.empty() ? 0.0 : std::min_element(requests_.begin(), requests_.end(), [](auto& a, auto& b) {
                                                           return a.arrival_s < b.arrival_s;
                                                       })->arrival_s;
        const double last = done_.empty() ? now() : *std::max_element(done_.begin(), done_.end());
        r.wall_s = std::max(1e-9, last - first);
        r.requests = std::int64_t(completed_);
        r.tokens = tokens_;
        r.throughput_rps = double(completed_) / r.wall_s;
        r.tokens_per_s = double(tokens_) / r.wall_s;
        r.p50_ms = percentile(run_.latency_ms, 50);
        r.p95_ms = percentile(run_.latency_ms, 95);
        r.p99_ms = percentile(run_.latency_ms, 99);
        r.padding_fraction = slots_.padding();
        r.token_slots = slots_.slots;
        r.useful_slots = slots_.useful;
        r.batches = steps_ ? steps_ : batches_;
        r.prefill_passes = prefill_passes_;
        r.prefill_s = prefill_s_;
        r.decode_s = decode_s_;
        r.mean_batch = steps_ ? step_rows_sum_ / double(steps_) : batches_ ? batch_sum_ / double(batches_) : 0.0;
        r.mean_queue = dispatches_ ? queue_sum_ / double(dispatches_) : 0.0;
        r.max_queue = max_queue_;
        r.kv_cache_peak_bytes = kv_peak_;
        r.cpu_util = double(std::clock() - cpu0_) / CLOCKS_PER_SEC / std::max(1e-9, now());
        publish_live(true);
    }

    TinyLm& model_;
    const std::string& text_;
    std::vector<Request> requests_;
    ServerConfig config_;
    Live live_;
    Clock::time_point t0_;
    std::clock_t cpu0_;
    ServerRun run_;
    std::deque<std::size_t> pending_;  // sent, not yet arrived (time order)
    std::size_t next_unsent_ = 0;
    std::vector<Request> queue_;       // arrived, waiting, in arrival order
    std::size_t completed_ = 0;
    std::int64_t tokens_ = 0;
    std::vector<double> done_;
    std::deque<double> recent_;
    SlotCount slots_;
    std::int64_t kv_peak_ = 0;
    double queue_sum_ = 0, batch_sum_ = 0, step_rows_sum_ = 0, prefill_s_ = 0, decode_s_ = 0;
    std::int64_t dispatches_ = 0, batches_ = 0, steps_ = 0, prefill_passes_ = 0;
    int max_queue_ = 0;
};

}  // namespace

ServerRun run_server(TinyLm& model, const std::string& text, std::vector<Request> requests, const ServerConfig& config,
                     const LiveOut& live) {
    for (std::size_t i = 0; i < requests.size(); ++i) requests[i].id = std::int64_t(i);
    Server server(model, text, std::move(requests), config, live);
    return server.run();
}

RequestQuality request_quality(TinyLm& model, const std::string& text, const Request& r) {
    torch::NoGradGuard no_grad;
    model->eval();
    const torch::Tensor seq =
        bytes_tensor(text.substr(std::size_t(r.text_at), std::size_t(r.prompt_len + r.max_new))).unsqueeze(0);
    const std::int64_t n = seq.size(1);
    const torch::Tensor logits = model->forward(seq.narrow(1, 0, n - 1)).squeeze(0);
    // The continuation's bytes only: positions prompt_len - 1 .. n - 2 predict them.
    const std::int64_t from = r.prompt_len - 1, count = n - 1 - from;
    const torch::Tensor pred = logits.narrow(0, from, count), target = seq.squeeze(0).narrow(0, r.prompt_len, count);
    RequestQuality q;
    q.loss_sum = F::cross_entropy(pred, target, F::CrossEntropyFuncOptions().reduction(torch::kSum)).item<double>();
    q.correct = pred.argmax(-1).eq(target).sum().item<std::int64_t>();
    q.bytes = count;
    return q;
}

}  // namespace sparq::engine::serve

#include "serve/batching.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>

namespace sparq::engine::serve {

int sample_length(const LengthDistribution& d, std::mt19937_64& rng) {
    double x = d.median;
    if (d.kind == "uniform") {
        x = std::uniform_int_distribution<int>(d.min, d.max)(rng);
    } else if (d.kind == "lognormal") {
        x = std::exp(std::log(d.median) + d.sigma * std::normal_distribution<double>(0.0, 1.0)(rng));
    } else if (d.kind == "pareto") {
        const double u = std::uniform_real_distribution<double>(1e-12, 1.0)(rng);
        x = double(d.min) * std::pow(u, -1.0 / d.sigma);
    }
    return std::clamp(int(std::lround(std::min(x, 1e9))), d.min, d.max);
}

std::vector<Request> make_requests(const WorkloadSpec& spec, std::int64_t text_bytes, int max_total) {
    // Arrival times come from a stream of their own, so that the open and the closed loop of
    // one seed send the same requests.
    std::mt19937_64 rng(spec.seed), arrivals(spec.seed ^ 0x9e3779b97f4a7c15ull);
    std::vector<Request> out;
    out.reserve(std::size_t(spec.requests));
    double t = 0;
    for (int i = 0; i < spec.requests; ++i) {
        Request r;
        r.id = i;
        r.prompt_len = sample_length(spec.prompt, rng);
        r.max_new = sample_length(spec.output, rng);
        if (r.prompt_len + r.max_new > max_total) {
            r.prompt_len = std::min(r.prompt_len, max_total / 2);
            r.max_new = std::max(1, std::min(r.max_new, max_total - r.prompt_len));
        }
        const std::int64_t span = text_bytes - r.prompt_len - r.max_new - 1;
        r.text_at = span > 0 ? std::uniform_int_distribution<std::int64_t>(0, span)(rng) : 0;
        if (spec.rate > 0) {
            t += std::exponential_distribution<double>(spec.rate)(arrivals);
            r.arrival_s = t;
        }
        out.push_back(r);
    }
    return out;
}

namespace {

Decision take_first(std::size_t n) {
    Decision d;
    for (std::size_t i = 0; i < n; ++i) d.take.push_back(i);
    return d;
}

// Fixed-size FIFO: full batches of the oldest requests; a partial one only when nothing more
// will come.
class FifoPolicy final : public BatchPolicy {
public:
    explicit FifoPolicy(const BatchPolicySpec& s) : max_(std::size_t(s.max_batch)) {}
    Decision next(const std::vector<Request>& q, double, bool more) override {
        if (q.size() >= max_ || (!more && !q.empty())) return take_first(std::min(q.size(), max_));
        return {};
    }

private:
    std::size_t max_;
};

// Triton's dynamic batcher: as soon as the largest preferred size is there, that many;
// otherwise wait until the oldest request has waited max_queue_delay, then the largest
// preferred size available (all, when none is).
class MaxDelayPolicy final : public BatchPolicy {
public:
    explicit MaxDelayPolicy(const BatchPolicySpec& s)
        : max_(std::size_t(s.max_batch)), delay_s_(s.max_queue_delay_us * 1e-6) {
        for (int p : s.preferred_batch_sizes)
            if (p >= 1 && std::size_t(p) <= max_) preferred_.push_back(std::size_t(p));
        std::sort(preferred_.begin(), preferred_.end());
        if (preferred_.empty()) preferred_.push_back(max_);
    }
    Decision next(const std::vector<Request>& q, double now, bool more) override {
        if (q.empty()) return {};
        if (q.size() >= preferred_.back()) return take_first(preferred_.back());
        if (!more || now - q.front().arrival_s >= delay_s_) {
            std::size_t n = std::min(q.size(), max_);
            for (auto it = preferred_.rbegin(); it != preferred_.rend(); ++it)
                if (*it <= q.size()) {
                    n = *it;
                    break;
                }
            return take_first(n);
        }
        Decision d;
        d.wake_at_s = q.front().arrival_s + delay_s_;
        return d;
    }

private:
    std::size_t max_;
    double delay_s_;
    std::vector<std::size_t> preferred_;
};

// Batches formed within groups of similar requests. Once the oldest request has waited the
// maximum delay (or nothing more will come), its group goes: the oldest request and the
// members closest to it, so no request starves. Before that, a full group goes at once (the
// one with the oldest request first). With a minimum wait share, only requests that have
// waited that share of the oldest one's wait are taken.
class GroupedPolicy : public BatchPolicy {
public:
    GroupedPolicy(const BatchPolicySpec& s, double min_wait_share)
        : max_(std::size_t(s.max_batch)), delay_s_(s.max_queue_delay_us * 1e-6), min_wait_share_(min_wait_share) {}
    Decision next(const std::vector<Request>& q, double now, bool more) override {
        if (q.empty()) return {};
        std::map<int, std::vector<std::size_t>> groups;  // members in arrival order
        // Only requests that have waited a share of the oldest one's wait may go: the younger
        // members of a busy group cannot keep passing the older requests of the others.
        const double eligible_before = now - min_wait_share_ * (now - q.front().arrival_s);
        for (std::size_t i = 0; i < q.size(); ++i)
            if (q[i].arrival_s <= eligible_before) groups[group_of(q[i])].push_back(i);
        std::vector<std::size_t>* pick = nullptr;
        if (!more || now - q.front().arrival_s >= delay_s_) {
            pick = &groups[group_of(q.front())];
        } else {
            for (auto& [g, members] : groups)
                if (members.size() >= max_ && (!pick || members.front() < pick->front())) pick = &members;
        }
        Decision d;
        if (!pick) {
            d.wake_at_s = q.front().arrival_s + delay_s_;
            return d;
        }
        if (pick->size() > max_) closest_first(q, *pick);
        d.take.assign(pick->begin(), pick->begin() + std::ptrdiff_t(std::min(pick->size(), max_)));

        return d;
    }

protected:
    virtual int group_of(const Request& r) const = 0;
    /// Orders a group's members (the oldest first) for taking: by default, arrival order.
    virtual void closest_first(const std::vector<Request>& q, std::vector<std::size_t>& members) const {}


private:
    std::size_t max_;
    double delay_s_;
    double min_wait_share_;
};

// Length bucketing on the expected output length.
class BucketPolicy final : public GroupedPolicy {
public:
    explicit BucketPolicy(const BatchPolicySpec& s) : GroupedPolicy(s, 0.0), edges_(s.bucket_edges) {
        std::sort(edges_.begin(), edges_.end());
    }

protected:
    int group_of(const Request& r) const override {
        return int(std::lower_bound(edges_.begin(), edges_.end(), r.max_new) - edges_.begin());
    }

private:
    std::vector<int> edges_;
};

// Feature clustering: k-means over the latest requests' features (standardized), re-fitted
// every `refit_every` arrivals from the previous centroids, so clusters follow the traffic.
class KMeansPolicy final : public GroupedPolicy {
public:
    explicit KMeansPolicy(const BatchPolicySpec& s)
        : GroupedPolicy(s, s.min_wait_share), k_(s.clusters), every_(s.refit_every), window_(std::size_t(s.refit_window)),
          nearest_(s.within == "nearest"),
          pool_(s.neighbour_window > 0 ? std::size_t(std::max(s.neighbour_window, s.max_batch)) : 0),
          output_weight_(s.output_weight) {}

    void on_arrival(const Request& r) override {
        recent_.push_back(request_features(r));
        if (recent_.size() > window_) recent_.pop_front();
        ++arrivals_;
        const bool first = centroids_.empty() && recent_.size() >= std::size_t(4 * k_);
        if (first || (!centroids_.empty() && arrivals_ % every_ == 0)) refit();
    }

protected:
    int group_of(const Request& r) const override {
        if (centroids_.empty()) return 0;
        const Point f = scaled(request_features(r));
        int best = 0;
        double best_d = std::numeric_limits<double>::infinity();
        for (std::size_t c = 0; c < centroids_.size(); ++c) {
            const double d = std::pow(f[0] - centroids_[c][0], 2) + std::pow(f[1] - centroids_[c][1], 2);
            if (d < best_d) best_d = d, best = int(c);
        }
        return best;
    }

    // Nearest: the group's oldest request, then the others of its oldest `pool_` (0: all) by
    // their distance to it, the requests most alike within the cluster (the least padding) led
    // by the one waiting longest. Arrival: the group stays in arrival order.
    void closest_first(const std::vector<Request>& q, std::vector<std::size_t>& members) const override {
        if (!nearest_ || centroids_.empty()) return;
        const Point a = scaled(request_features(q[members.front()]));
        const std::size_t end = pool_ ? std::min(members.size(), pool_) : members.size();
        std::vector<std::pair<double, std::size_t>> by_distance;  // each distance computed once
        for (std::size_t j = 1; j < end; ++j) {
            const Point f = scaled(request_features(q[members[j]]));
            by_distance.push_back({std::pow(f[0] - a[0], 2) + std::pow(f[1] - a[1], 2), members[j]});
        }
        std::stable_sort(by_distance.begin(), by_distance.end(),
                         [](const auto& x, const auto& y) { return x.first < y.first; });
        for (std::size_t j = 1; j < end; ++j) members[j] = by_distance[j - 1].second;
    }

private:
    // Standardized features, the output's weighted.
    Point scaled(const Point& p) const {
        return {(p[0] - mean_[0]) / sd_[0], output_weight_ * (p[1] - mean_[1]) / sd_[1]};
    }
    Point unscaled(const Point& c) const { return {c[0] * sd_[0] + mean_[0], c[1] / output_weight_ * sd_[1] + mean_[1]}; }

    void refit() {
        const double n = double(recent_.size());
        for (int j = 0; j < 2; ++j) {
            double s = 0, s2 = 0;
            for (const Point& p : recent_) s += p[j], s2 += p[j] * p[j];
            mean_[j] = s / n;
            sd_[j] = std::max(1e-6, std::sqrt(std::max(0.0, s2 / n - mean_[j] * mean_[j])));
        }
        // Warm start: the previous centroids, expressed in the new scale.
        std::vector<Point> init;
        for (const Point& c : raw_centroids_) init.push_back(scaled(c));
        std::vector<Point> points;
        for (const Point& p : recent_) points.push_back(scaled(p));
        const KMeansResult fit = kmeans(points, k_, std::uint64_t(arrivals_), init);
        centroids_ = fit.centroids;
        raw_centroids_.clear();
        for (const Point& c : centroids_) raw_centroids_.push_back(unscaled(c));
    }

    int k_, every_;
    std::size_t window_;
    bool nearest_;
    std::size_t pool_;
    double output_weight_;
    std::deque<Point> recent_;
    std::int64_t arrivals_ = 0;
    Point mean_{0, 0}, sd_{1, 1};
    std::vector<Point> centroids_, raw_centroids_;
};

}  // namespace

std::unique_ptr<BatchPolicy> make_policy(const BatchPolicySpec& s) {
    if (s.policy == "fifo") return std::make_unique<FifoPolicy>(s);
    if (s.policy == "max-delay") return std::make_unique<MaxDelayPolicy>(s);
    if (s.policy == "bucket") return std::make_unique<BucketPolicy>(s);
    if (s.policy == "kmeans") return std::make_unique<KMeansPolicy>(s);
    return nullptr;  // continuous: the server's own loop
}

Point request_features(const Request& r) {
    return {std::log(double(std::max(1, r.prompt_len))), std::log(double(std::max(1, r.max_new)))};
}

KMeansResult kmeans(const std::vector<Point>& points, int k, std::uint64_t seed, std::vector<Point> init, int max_iter) {
    KMeansResult r;
    if (points.empty() || k <= 0) return r;
    k = std::min<int>(k, int(points.size()));
    auto dist2 = [](const Point& a, const Point& b) { return std::pow(a[0] - b[0], 2) + std::pow(a[1] - b[1], 2); };
    std::mt19937_64 rng(seed);
    if (int(init.size()) != k) {
        // k-means++: each next centroid drawn with probability proportional to its squared
        // distance from the nearest chosen one.
        init.clear();
        init.push_back(points[std::uniform_int_distribution<std::size_t>(0, points.size() - 1)(rng)]);
        std::vector<double> d(points.size());
        while (int(init.size()) < k) {
            double total = 0;
            for (std::size_t i = 0; i < points.size(); ++i) {
                d[i] = std::numeric_limits<double>::infinity();
                for (const Point& c : init) d[i] = std::min(d[i], dist2(points[i], c));
                total += d[i];
            }
            if (total <= 0) break;  // fewer distinct points than k
            double u = std::uniform_real_distribution<double>(0, total)(rng);
            std::size_t pick = 0;
            for (; pick + 1 < points.size() && u > d[pick]; ++pick) u -= d[pick];
            init.push_back(points[pick]);
        }
    }
    r.centroids = init;
    r.labels.assign(points.size(), -1);
    for (r.iterations = 0; r.iterations < max_iter; ++r.iterations) {
        bool changed = false;
        for (std::size_t i = 0; i < points.size(); ++i) {
            int best = 0;
            for (int c = 1; c < int(r.centroids.size()); ++c)
                if (dist2(points[i], r.centroids[std::size_t(c)]) < dist2(points[i], r.centroids[std::size_t(best)])) best = c;
            changed |= r.labels[i] != best;
            r.labels[i] = best;
        }
        if (!changed) break;
        std::vector<Point> sum(r.centroids.size(), Point{0, 0});
        std::vector<int> count(r.centroids.size(), 0);
        for (std::size_t i = 0; i < points.size(); ++i) {
            const auto c = std::size_t(r.labels[i]);
            sum[c][0] += points[i][0];
            sum[c][1] += points[i][1];
            ++count[c];
        }
        for (std::size_t c = 0; c < r.centroids.size(); ++c)
            if (count[c]) r.centroids[c] = {sum[c][0] / count[c], sum[c][1] / count[c]};  // empty: kept
    }
    return r;
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    const double rank = std::clamp(p, 0.0, 100.0) / 100.0 * double(v.size() - 1);
    const auto lo = std::size_t(std::floor(rank));
    const std::size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (v[hi] - v[lo]) * (rank - double(lo));
}

std::vector<int> prefill_groups(const std::vector<int>& lens, int max_groups) {
    const std::size_t n = lens.size();
    if (n == 0) return {};
    const std::size_t g_max = std::size_t(std::clamp<std::int64_t>(max_groups, 1, std::int64_t(n)));
    // cost[g][j]: fewest slots for the first j prompts in g groups; cut[g][j]: where the last
    // group starts. Sorted lengths: a group [i, j) pays (j - i) x lens[j - 1].
    constexpr std::int64_t inf = std::numeric_limits<std::int64_t>::max();
    std::vector<std::vector<std::int64_t>> cost(g_max + 1, std::vector<std::int64_t>(n + 1, inf));
    std::vector<std::vector<std::size_t>> cut(g_max + 1, std::vector<std::size_t>(n + 1, 0));
    cost[0][0] = 0;
    for (std::size_t g = 1; g <= g_max; ++g)
        for (std::size_t j = 1; j <= n; ++j)
            for (std::size_t i = g - 1; i < j; ++i) {
                if (cost[g - 1][i] == inf) continue;
                const std::int64_t c = cost[g - 1][i] + std::int64_t(j - i) * lens[j - 1];
                if (c < cost[g][j]) cost[g][j] = c, cut[g][j] = i;
            }
    std::size_t best = 1;
    for (std::size_t g = 2; g <= g_max; ++g)
        if (cost[g][n] < cost[best][n]) best = g;
    std::vector<int> sizes;
    for (std::size_t g = best, j = n; g > 0; j = cut[g][j], --g) sizes.push_back(int(j - cut[g][j]));
    std::reverse(sizes.begin(), sizes.end());
    return sizes;
}

SlotCount static_batch_slots(const std::vector<int>& prompt_lens, const std::vector<int>& out_lens,
                             int max_prefill_groups, bool retire) {
    SlotCount s;
    if (prompt_lens.empty()) return s;
    const std::int64_t b = std::int64_t(prompt_lens.size());
    std::vector<int> sorted = prompt_lens;
    std::sort(sorted.begin(), sorted.end());
    std::size_t at = 0;
    for (int n : prefill_groups(sorted, max_prefill_groups)) {
        at += std::size_t(n);
        s.slots += std::int64_t(n) * sorted[at - 1];
    }
    const int lo = *std::max_element(out_lens.begin(), out_lens.end());
    for (std::size_t i = 0; i < prompt_lens.size(); ++i) s.useful += prompt_lens[i] + out_lens[i] - 1;
    if (retire)
        for (int o : out_lens) s.slots += o - 1;
    else
        s.slots += b * (lo - 1);
    return s;
}

Route route_request(const RouterRule& rule, const Request& r, double edge_ms, double cloud_ms) {
    if (r.prompt_len <= rule.edge_max_prompt && r.max_new <= rule.edge_max_output) return Route::Edge;
    if (rule.latency_budget_ms > 0 && cloud_ms > rule.latency_budget_ms && edge_ms <= rule.latency_budget_ms)
        return Route::Edge;
    return Route::Cloud;
}

}  // namespace sparq::engine::serve

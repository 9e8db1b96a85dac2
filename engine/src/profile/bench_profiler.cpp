#include <ATen/Parallel.h>
#include <torch/nn/functional/loss.h>
#include <torch/types.h>

#include <algorithm>
#include <chrono>

#include "bench_util.h"
#include "data/fashion_mnist.h"
#include "models/models.h"
#include "profile/job_profiler.h"
#include "sparq/engine/bench.h"
#include "sparq/profiler/metric_bus.h"
#include "train/trainer.h"

namespace sparq::engine {

std::vector<ProfilerOverheadRow> bench_profiler_overhead(const ProfilerOverheadOptions& o) {
    using Clock = std::chrono::steady_clock;
    at::set_num_threads(o.threads);
    const auto ds = data::load_fashion_mnist(default_data_dir());
    std::vector<ProfilerOverheadRow> rows;
    for (const std::string& preset : o.presets) {
        const TrainSpec spec = load_preset(preset);
        torch::manual_seed(spec.seed);
        auto model = models::make_model(spec);
        auto opt = train::make_optimizer(spec, *model);
        const std::int64_t batch = spec.batch_size, n = ds->train.size();
        profiler::MetricBus bus;
        const profiler::SeriesId loss_id = bus.series().intern("train/loss");
        profiler::Producer out = bus.make_producer();
        std::int64_t next = 0;
        auto step = [&] {
            const std::int64_t at = (next * batch) % (n - batch);
            opt->zero_grad();
            auto loss = torch::nn::functional::cross_entropy(model->forward(ds->train.images.narrow(0, at, batch)),
                                                             ds->train.labels.narrow(0, at, batch));
            loss.backward();
            opt->step();
            out.publish(1, loss_id, next, loss.item<double>());
            ++next;
        };
        for (int i = 0; i < 5; ++i) step();  // warm-up: allocator, optimizer state
        int steps = o.steps_per_round;
        if (steps <= 0) {
            const auto t0 = Clock::now();
            for (int i = 0; i < 5; ++i) step();
            const double step_s = std::chrono::duration<double>(Clock::now() - t0).count() / 5;
            steps = std::max(1, int(o.round_seconds / step_s + 0.5));
        }

        JobSink quiet;
        std::vector<double> ms[2];
        std::int64_t ops = 0;
        double coverage = 0;
        for (int r = 0; r < o.rounds; ++r)
            for (int on = 0; on < 2; ++on) {
                std::unique_ptr<profile::JobProfiler> profiler;
                if (on) profiler = std::make_unique<profile::JobProfiler>(bus, nullptr, 1, o.profile, "{}", quiet, Device{});
                const auto t0 = Clock::now();
                for (int k = 0; k < steps; ++k) step();
                ms[on].push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count() / steps);
                if (profiler) {
                    for (const auto& op : profiler->ops()) ops += op.calls;
                    coverage += profiler->ops_coverage() / o.rounds;
                }
            }
        ProfilerOverheadRow row;
        row.preset = preset;
        row.off_step_ms = median_of(ms[0]);
        row.on_step_ms = median_of(ms[1]);
        row.overhead_ratio = row.on_step_ms / row.off_step_ms;
        row.ops_recorded = ops;
        row.ops_coverage = coverage;
        row.steps_per_round = steps;
        rows.push_back(row);
    }
    return rows;
}

}  // namespace sparq::engine

#pragma once
// The training loop: batches, shuffling with a seed, evaluation every epoch, checkpoints,
// resume, metrics on the bus. Runs on the job's worker thread.
#include <string>

#include "sparq/engine/events.h"
#include "sparq/engine/specs.h"
#include "sparq/profiler/metric_bus.h"
#include "sparq/profiler/run_store.h"

namespace sparq::engine {
class JobState;
}

namespace sparq::engine::train {

struct TrainContext {
    profiler::MetricBus& bus;
    profiler::RunId run = 0;
    std::string run_dir;               // checkpoints go here; empty = no checkpoints
    JobState& job;
    JobSink& sink;
    profiler::RunStore* store = nullptr;  // for events and artifacts; may be null
};

/// Trains the model a spec describes. Throws DataError / ConfigError on bad input; a
/// cancelled job returns with status Cancelled.
TrainResult run_training(const TrainSpec& spec, TrainContext& ctx);

}  // namespace sparq::engine::train

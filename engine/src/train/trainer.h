#pragma once
// The training loop: batches, shuffling with a seed, evaluation every epoch, checkpoints,
// resume, metrics on the bus. Runs on the job's worker thread.
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>
#include <torch/types.h>

#include <memory>
#include <string>

#include "data/fashion_mnist.h"
#include "models/models.h"

#include "sparq/engine/events.h"
#include "sparq/engine/specs.h"
#include "sparq/profiler/metric_bus.h"
#include "sparq/profiler/run_store.h"

namespace sparq::engine {
class JobState;
}

namespace sparq::engine::train {

class SparsityTally;

struct TrainContext {
    profiler::MetricBus& bus;
    profiler::RunId run = 0;
    std::string run_dir;               // checkpoints go here; empty = no checkpoints
    JobState& job;
    JobSink& sink;
    profiler::RunStore* store = nullptr;  // for events and artifacts; may be null
};

struct EvalResult {
    double loss = 0.0;
    double accuracy = 0.0;
};

/// Loss and accuracy on the first `limit` images of a split (0 = all), in evaluation mode;
/// with a tally, also the observed sparsity.
EvalResult evaluate(models::ClassifierImpl& model, const data::Split& split, std::int64_t limit,
                    SparsityTally* tally = nullptr);

/// The optimizer a spec asks for, over the model's parameters.
std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainSpec& spec, torch::nn::Module& model);

/// Trains the model a spec describes. Throws DataError / ConfigError on bad input; a
/// cancelled job returns with status Cancelled.
TrainResult run_training(const TrainSpec& spec, TrainContext& ctx);

}  // namespace sparq::engine::train

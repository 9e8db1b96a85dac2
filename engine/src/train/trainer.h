#pragma once
// The training loop: batches on the job's device, shuffling with a seed, evaluation every
// epoch, checkpoints, resume, metrics on the bus. Runs on the job's worker thread.
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>
#include <torch/types.h>

#include <memory>
#include <string>

#include "data/fashion_mnist.h"
#include "job/job_context.h"
#include "models/models.h"
#include "sparq/engine/train.h"

namespace sparq::engine::sparse {
class SparsityTally;
}

namespace sparq::engine::train {

using sparse::SparsityTally;

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

/// Trains the model a spec describes on the job's device, its progress spanning [from, to] of
/// the job (distillation trains its teacher first). Throws DataError / ConfigError on bad input;
/// a cancelled job returns with status Cancelled.
TrainResult run_training(const TrainSpec& spec, JobContext& ctx, double from = 0.0, double to = 1.0);

}  // namespace sparq::engine::train

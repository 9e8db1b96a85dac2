#pragma once
// Checkpoints: model and optimizer together, written atomically (temporary name, fsync,
// rename) so that a crash never leaves a half-written file under the real name.
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include <functional>
#include <string>
#include <vector>

#include "sparq/engine/train.h"

namespace sparq::engine::train {

struct CheckpointInfo {
    int epoch = 0;           // epochs completed when it was written
    std::int64_t step = 0;   // optimizer steps completed
    std::string spec_json;   // the job spec that produced it
};

void save_checkpoint(const std::string& path, torch::nn::Module& model,
                     torch::optim::Optimizer& optimizer, const CheckpointInfo& info);

/// Loads into an existing model and optimizer of the same architecture. Throws DataError
/// when the file is missing, damaged or belongs to another architecture.
CheckpointInfo load_checkpoint(const std::string& path, torch::nn::Module& model,
                               torch::optim::Optimizer& optimizer);

/// All parameters and buffers of the model stored in a checkpoint, flattened in module
/// order (for comparing runs). `spec` must describe the checkpoint's architecture.
std::vector<float> checkpoint_weights(const std::string& path, const TrainSpec& spec);

/// The job spec a checkpoint was written by. Throws DataError when it cannot be read.
TrainSpec checkpoint_spec(const std::string& path);

/// Runs write_to(tmp_path), fsyncs, and renames the result to `path`.
void write_atomically(const std::string& path, const std::function<void(const std::string&)>& write_to);

}  // namespace sparq::engine::train

#pragma once
// Classifier models for 28x28 single-channel images given as [N, 784] rows.
#include <torch/torch.h>

#include <memory>

#include "sparq/engine/specs.h"

namespace sparq::engine::models {

/// Every model maps [N, 784] normalised pixels to [N, 10] logits.
class ClassifierImpl : public torch::nn::Module {
public:
    virtual torch::Tensor forward(torch::Tensor x) = 0;
};

/// Linear + ReLU per hidden width, then a linear head.
class MlpImpl : public ClassifierImpl {
public:
    MlpImpl(int inputs, const std::vector<int>& hidden, int classes);
    torch::Tensor forward(torch::Tensor x) override;

private:
    std::vector<torch::nn::Linear> layers_;
};
TORCH_MODULE(Mlp);

/// Per block: 3x3 conv (no bias) + batch norm + ReLU + 2x2 max pool; then FC + ReLU + head.
class CnnImpl : public ClassifierImpl {
public:
    CnnImpl(const std::vector<int>& channels, int fc, int classes);
    torch::Tensor forward(torch::Tensor x) override;

private:
    torch::nn::Sequential features_{nullptr};
    torch::nn::Linear fc_{nullptr}, head_{nullptr};
};
TORCH_MODULE(Cnn);

/// Builds the model a spec describes (weights initialised from the current torch seed).
std::shared_ptr<ClassifierImpl> make_model(const TrainSpec& spec);

std::int64_t parameter_count(torch::nn::Module& m);

}  // namespace sparq::engine::models

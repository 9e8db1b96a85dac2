#pragma once
// Classifier models for 28x28 single-channel images given as [N, 784] rows.
#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/types.h>

#include <memory>

#include "models/gated.h"
#include "sparq/engine/train.h"

namespace sparq::engine::models {

/// Every model maps [N, 784] normalised pixels to [N, 10] logits.
class ClassifierImpl : public torch::nn::Module {
public:
    virtual torch::Tensor forward(torch::Tensor x) = 0;
    /// Gated sparse layers in order (none for dense models).
    virtual std::vector<GatedLinear> gated_layers() { return {}; }
    /// While on, forward() records the fraction of exact zeros after each ReLU.
    void set_probe(bool on) { probe_ = on; }
    const std::vector<double>& relu_zero_fraction() const { return relu_zero_; }

protected:
    torch::Tensor probed(torch::Tensor h, std::size_t index);
    bool probe_ = false;
    std::vector<double> relu_zero_;
};

/// Linear + ReLU per hidden width, then a linear head.
class MlpImpl : public ClassifierImpl {
public:
    MlpImpl(int inputs, const std::vector<int>& hidden, int classes);
    torch::Tensor forward(torch::Tensor x) override;
    const std::vector<torch::nn::Linear>& layers() const { return layers_; }

private:
    std::vector<torch::nn::Linear> layers_;
};
TORCH_MODULE(Mlp);

/// Per block: 3x3 conv (no bias) + batch norm + ReLU + 2x2 max pool; then FC + ReLU + head.
class CnnImpl : public ClassifierImpl {
public:
    CnnImpl(const std::vector<int>& channels, int fc, int classes);
    torch::Tensor forward(torch::Tensor x) override;
    const std::vector<torch::nn::Conv2d>& convs() const { return convs_; }
    const std::vector<torch::nn::BatchNorm2d>& norms() const { return norms_; }
    torch::nn::Linear fc() const { return fc_; }
    torch::nn::Linear head() const { return head_; }

private:
    std::vector<torch::nn::Conv2d> convs_;
    std::vector<torch::nn::BatchNorm2d> norms_;
    torch::nn::Linear fc_{nullptr}, head_{nullptr};
};
TORCH_MODULE(Cnn);

/// MLP whose hidden layers are all gated sparse layers; a dense linear head.
class GatedMlpImpl : public ClassifierImpl {
public:
    GatedMlpImpl(int inputs, const TrainSpec& spec, int classes);
    torch::Tensor forward(torch::Tensor x) override;
    std::vector<GatedLinear> gated_layers() override { return layers_; }
    /// Parameters every input touches outside the gated layers (the head).
    std::int64_t dense_params() const;
    torch::nn::Linear head() const { return head_; }

private:
    std::vector<GatedLinear> layers_;
    torch::nn::Linear head_{nullptr};
};
TORCH_MODULE(GatedMlp);

/// Builds the model a spec describes (weights initialised from the current torch seed).
std::shared_ptr<ClassifierImpl> make_model(const TrainSpec& spec);

std::int64_t parameter_count(torch::nn::Module& m);

/// Sets every gated layer of a model to keep about `fraction` of its blocks (top-k), e.g. to
/// evaluate a trained model at another active fraction. No-op for dense models.
void set_active_fraction(ClassifierImpl& model, double fraction);

}  // namespace sparq::engine::models

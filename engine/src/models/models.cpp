#include "models/models.h"

namespace sparq::engine::models {

namespace {
constexpr int kImageSide = 28;
constexpr int kClasses = 10;
}  // namespace

torch::Tensor ClassifierImpl::probed(torch::Tensor h, std::size_t index) {
    if (probe_) {
        if (relu_zero_.size() <= index) relu_zero_.resize(index + 1);
        relu_zero_[index] = h.eq(0).to(torch::kFloat32).mean().item<double>();
    }
    return h;
}

MlpImpl::MlpImpl(int inputs, const std::vector<int>& hidden, int classes) {
    int in = inputs;
    for (std::size_t i = 0; i <= hidden.size(); ++i) {
        const int out = i < hidden.size() ? hidden[i] : classes;
        layers_.push_back(register_module("fc" + std::to_string(i), torch::nn::Linear(in, out)));
        in = out;
    }
}

torch::Tensor MlpImpl::forward(torch::Tensor x) {
    for (std::size_t i = 0; i + 1 < layers_.size(); ++i)
        x = probed(torch::relu(layers_[i]->forward(x)), i);
    return layers_.back()->forward(x);
}

CnnImpl::CnnImpl(const std::vector<int>& channels, int fc, int classes) {
    int in = 1, side = kImageSide;
    for (std::size_t i = 0; i < channels.size(); ++i) {
        const int c = channels[i];
        convs_.push_back(register_module(
            "conv" + std::to_string(i),
            torch::nn::Conv2d(torch::nn::Conv2dOptions(in, c, 3).padding(1).bias(false))));
        norms_.push_back(register_module("bn" + std::to_string(i), torch::nn::BatchNorm2d(c)));
        in = c;
        side /= 2;
    }
    fc_ = register_module("fc", torch::nn::Linear(in * side * side, fc));
    head_ = register_module("head", torch::nn::Linear(fc, classes));
}

torch::Tensor CnnImpl::forward(torch::Tensor x) {
    x = x.view({-1, 1, kImageSide, kImageSide});
    for (std::size_t i = 0; i < convs_.size(); ++i)
        x = torch::max_pool2d(probed(torch::relu(norms_[i]->forward(convs_[i]->forward(x))), i), 2);
    x = probed(torch::relu(fc_->forward(x.flatten(1))), convs_.size());
    return head_->forward(x);
}

GatedMlpImpl::GatedMlpImpl(int inputs, const TrainSpec& spec, int classes) {
    int in = inputs;
    const GateTraining training =
        spec.gate == "reinforce" ? GateTraining::Reinforce : GateTraining::StraightThrough;
    for (std::size_t i = 0; i < spec.hidden.size(); ++i) {
        const kernels::GatedShape shape{in, spec.hidden[i], spec.blocks, spec.groups};
        kernels::GatePolicy policy = policy_for_fraction(shape, spec.active_fraction);
        if (spec.gate_mode == "threshold") {
            policy.mode = kernels::GateMode::Threshold;
            policy.threshold = float(spec.gate_threshold);
        }
        layers_.push_back(register_module("gated" + std::to_string(i),
                                          GatedLinear(shape, policy, training, spec.active_fraction)));
        in = spec.hidden[i];
    }
    head_ = register_module("head", torch::nn::Linear(in, classes));
}

torch::Tensor GatedMlpImpl::forward(torch::Tensor x) {
    for (std::size_t i = 0; i < layers_.size(); ++i) x = probed(layers_[i]->forward(x, true), i);
    return head_->forward(x);
}

std::int64_t GatedMlpImpl::dense_params() const {
    return head_->weight.numel() + head_->bias.numel();
}

std::shared_ptr<ClassifierImpl> make_model(const TrainSpec& spec) {
    if (spec.model == "cnn") return Cnn(spec.channels, spec.fc, kClasses).ptr();
    if (spec.model == "gated-mlp") return GatedMlp(kImageSide * kImageSide, spec, kClasses).ptr();
    return Mlp(kImageSide * kImageSide, spec.hidden, kClasses).ptr();
}

void set_active_fraction(ClassifierImpl& model, double fraction) {
    for (auto& g : model.gated_layers()) g->set_policy(policy_for_fraction(g->shape(), fraction));
}

std::int64_t parameter_count(torch::nn::Module& m) {
    std::int64_t n = 0;
    for (const auto& p : m.parameters()) n += p.numel();
    return n;
}

}  // namespace sparq::engine::models

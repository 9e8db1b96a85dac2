#include "models/models.h"

namespace sparq::engine::models {

namespace {
constexpr int kImageSide = 28;
constexpr int kClasses = 10;
}  // namespace

MlpImpl::MlpImpl(int inputs, const std::vector<int>& hidden, int classes) {
    int in = inputs;
    for (std::size_t i = 0; i <= hidden.size(); ++i) {
        const int out = i < hidden.size() ? hidden[i] : classes;
        layers_.push_back(register_module("fc" + std::to_string(i), torch::nn::Linear(in, out)));
        in = out;
    }
}

torch::Tensor MlpImpl::forward(torch::Tensor x) {
    for (std::size_t i = 0; i + 1 < layers_.size(); ++i) x = torch::relu(layers_[i]->forward(x));
    return layers_.back()->forward(x);
}

CnnImpl::CnnImpl(const std::vector<int>& channels, int fc, int classes) {
    torch::nn::Sequential f;
    int in = 1, side = kImageSide;
    for (int c : channels) {
        f->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(in, c, 3).padding(1).bias(false)));
        f->push_back(torch::nn::BatchNorm2d(c));
        f->push_back(torch::nn::ReLU());
        f->push_back(torch::nn::MaxPool2d(2));
        in = c;
        side /= 2;
    }
    features_ = register_module("features", f);
    fc_ = register_module("fc", torch::nn::Linear(in * side * side, fc));
    head_ = register_module("head", torch::nn::Linear(fc, classes));
}

torch::Tensor CnnImpl::forward(torch::Tensor x) {
    x = features_->forward(x.view({-1, 1, kImageSide, kImageSide}));
    x = torch::relu(fc_->forward(x.flatten(1)));
    return head_->forward(x);
}

std::shared_ptr<ClassifierImpl> make_model(const TrainSpec& spec) {
    if (spec.model == "cnn") return Cnn(spec.channels, spec.fc, kClasses).ptr();
    return Mlp(kImageSide * kImageSide, spec.hidden, kClasses).ptr();
}

std::int64_t parameter_count(torch::nn::Module& m) {
    std::int64_t n = 0;
    for (const auto& p : m.parameters()) n += p.numel();
    return n;
}

}  // namespace sparq::engine::models

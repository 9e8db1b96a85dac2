#include "quant/hooked.h"

#include <torch/nn/functional/conv.h>
#include <torch/nn/functional/linear.h>

#include "sparq/engine/errors.h"

namespace sparq::engine::quant {

namespace F = torch::nn::functional;

namespace {

constexpr int kSide = 28;

std::pair<torch::Tensor, torch::Tensor> folded(const torch::nn::Conv2d& conv, const torch::nn::BatchNorm2d& bn) {
    const auto sigma = torch::sqrt(bn->running_var + bn->options.eps());
    const auto g = bn->weight / sigma;
    return {conv->weight * g.view({-1, 1, 1, 1}), bn->bias - g * bn->running_mean};
}

}  // namespace

std::string architecture(models::ClassifierImpl& model) {
    if (dynamic_cast<models::MlpImpl*>(&model)) return "mlp";
    if (dynamic_cast<models::CnnImpl*>(&model)) return "cnn";
    if (dynamic_cast<models::GatedMlpImpl*>(&model)) return "gated-mlp";
    throw ConfigError("quantization: unsupported model");
}

torch::Tensor forward_hooked(models::ClassifierImpl& model, const torch::Tensor& input, QuantHooks& h) {
    torch::Tensor x = h.act(0, input);
    int layer = 0;
    auto linear = [&](const torch::nn::Linear& l, bool last) {
        x = F::linear(x, h.weight(layer, l->weight), l->bias);
        if (!last) x = h.act(layer + 1, torch::relu(x));
        ++layer;
    };
    if (auto* mlp = dynamic_cast<models::MlpImpl*>(&model)) {
        const auto& layers = mlp->layers();
        for (std::size_t i = 0; i < layers.size(); ++i) linear(layers[i], i + 1 == layers.size());
        return x;
    }
    if (auto* cnn = dynamic_cast<models::CnnImpl*>(&model)) {
        x = x.view({-1, 1, kSide, kSide});
        for (std::size_t i = 0; i < cnn->convs().size(); ++i) {
            auto [w, b] = folded(cnn->convs()[i], cnn->norms()[i]);
            x = F::conv2d(x, h.weight(layer, w), F::Conv2dFuncOptions().bias(b).padding(1));
            x = torch::max_pool2d(h.act(layer + 1, torch::relu(x)), 2);
            ++layer;
        }
        x = x.flatten(1);
        linear(cnn->fc(), false);
        linear(cnn->head(), true);
        return x;
    }
    if (auto* gm = dynamic_cast<models::GatedMlpImpl*>(&model)) {
        for (auto g : gm->gated_layers()) {
            x = h.act(layer + 1, g->forward_with_weight(x, true, h.weight(layer, g->weight)));
            ++layer;
        }
        linear(gm->head(), true);
        return x;
    }
    throw ConfigError("quantization: unsupported model");
}

std::vector<LayerView> layer_views(models::ClassifierImpl& model) {
    torch::NoGradGuard no_grad;
    std::vector<LayerView> out;
    auto linear = [&](const std::string& name, const torch::nn::Linear& l) {
        LayerView v;
        v.name = name;
        v.weight = l->weight.detach().clone();
        v.bias = l->bias.detach().clone();
        out.push_back(v);
    };
    if (auto* mlp = dynamic_cast<models::MlpImpl*>(&model)) {
        for (std::size_t i = 0; i < mlp->layers().size(); ++i) linear("fc" + std::to_string(i), mlp->layers()[i]);
    } else if (auto* cnn = dynamic_cast<models::CnnImpl*>(&model)) {
        int side = kSide, channels = 1;
        for (std::size_t i = 0; i < cnn->convs().size(); ++i) {
            LayerView v;
            v.kind = LayerKind::Conv;
            v.name = "conv" + std::to_string(i);
            auto [w, b] = folded(cnn->convs()[i], cnn->norms()[i]);
            v.weight = w.detach().clone();
            v.bias = b.detach().clone();
            v.in_side = side;
            v.pool_after = true;
            channels = int(w.size(0));
            side /= 2;
            out.push_back(v);
        }
        linear("fc", cnn->fc());
        out.back().flatten_from_conv = true;
        out.back().flat_channels = channels;
        out.back().flat_side = side;
        linear("head", cnn->head());
    } else if (auto* gm = dynamic_cast<models::GatedMlpImpl*>(&model)) {
        const auto gated = gm->gated_layers();
        for (std::size_t i = 0; i < gated.size(); ++i) {
            LayerView v;
            v.kind = LayerKind::Gated;
            v.name = "gated" + std::to_string(i);
            v.weight = gated[i]->weight.detach().clone();
            v.bias = gated[i]->bias.detach().clone();
            v.gated = gated[i];
            out.push_back(v);
        }
        linear("head", gm->head());
    } else {
        throw ConfigError("quantization: unsupported model");
    }
    return out;
}

}  // namespace sparq::engine::quant

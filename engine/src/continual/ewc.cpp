#include "continual/ewc.h"

#include <torch/autograd.h>

#include <limits>

#include "sparq/engine/errors.h"

namespace sparq::engine::continual {

namespace {

constexpr double kFisherFloor = 1e-20;

void add_squared(std::vector<torch::Tensor>& acc, const std::vector<torch::Tensor>& grads, double weight) {
    for (std::size_t p = 0; p < acc.size(); ++p) acc[p].add_(grads[p].square(), weight);
}

}  // namespace

std::vector<torch::Tensor> fisher_diagonal(const LogitsFn& logits_of, const std::vector<torch::Tensor>& params,
                                           const torch::Tensor& x, const torch::Tensor& y, FisherKind kind) {
    const std::int64_t n = x.size(0);
    if (n == 0) throw ConfigError("continual: the Fisher needs at least one sample");
    std::vector<torch::Tensor> acc;
    for (const auto& p : params) acc.push_back(torch::zeros_like(p, torch::TensorOptions().requires_grad(false)));
    for (std::int64_t i = 0; i < n; ++i) {
        const auto logp = torch::log_softmax(logits_of(x.narrow(0, i, 1)), 1)[0];
        if (kind == FisherKind::Empirical) {
            add_squared(acc, torch::autograd::grad({logp[y[i].item<std::int64_t>()]}, params), 1.0);
            continue;
        }
        const auto prob = logp.detach().exp();
        const auto* pr = prob.data_ptr<float>();
        const std::int64_t classes = prob.size(0);
        for (std::int64_t c = 0; c < classes; ++c) {
            if (pr[c] == 0.0f) continue;
            add_squared(acc, torch::autograd::grad({logp[c]}, params, {}, /*retain_graph=*/true), double(pr[c]));
        }
    }
    for (auto& a : acc) a.div_(double(n));
    return acc;
}

std::vector<torch::Tensor> mlp_fisher_diagonal(models::MlpImpl& mlp, const torch::Tensor& mask, const torch::Tensor& x,
                                               const torch::Tensor& y, FisherKind kind) {
    const std::int64_t n = x.size(0);
    if (n == 0) throw ConfigError("continual: the Fisher needs at least one sample");
    auto layers = mlp.layers();  // holders (shared), so that forward() may be called
    std::vector<torch::Tensor> inputs, outputs;  // a_l and z_l of every linear layer
    torch::Tensor a = x;
    for (std::size_t l = 0; l < layers.size(); ++l) {
        inputs.push_back(a.detach());
        outputs.push_back(layers[l]->forward(a));
        a = l + 1 < layers.size() ? torch::relu(outputs.back()) : outputs.back();
    }
    torch::Tensor logits = a;
    if (mask.defined()) logits = logits.masked_fill(mask.logical_not(), -std::numeric_limits<float>::infinity());
    const auto logp = torch::log_softmax(logits, 1);
    const auto prob = logp.detach().exp();

    std::vector<torch::Tensor> fisher;
    for (std::size_t l = 0; l < layers.size(); ++l) {
        fisher.push_back(torch::zeros_like(layers[l]->weight, torch::TensorOptions().requires_grad(false)));
        fisher.push_back(torch::zeros_like(layers[l]->bias, torch::TensorOptions().requires_grad(false)));
    }
    std::vector<torch::Tensor> squared_inputs;
    for (const auto& in : inputs) squared_inputs.push_back(in.square());
    // objective: sum_i log p(c_i | x_i); weight: each row's share (1, or p(c | x_i)).
    auto accumulate = [&](const torch::Tensor& objective, const torch::Tensor& weight) {
        const auto g = torch::autograd::grad({objective}, outputs, {}, /*retain_graph=*/true);
        for (std::size_t l = 0; l < layers.size(); ++l) {
            const auto g2 = g[l].square().mul_(weight.unsqueeze(1));  // [n, out]
            fisher[2 * l].add_(g2.t().mm(squared_inputs[l]));
            fisher[2 * l + 1].add_(g2.sum(0));
        }
    };
    if (kind == FisherKind::Empirical) {
        accumulate(logp.gather(1, y.unsqueeze(1)).sum(), torch::ones({n}));
    } else {
        for (std::int64_t c = 0; c < logp.size(1); ++c) {
            const auto pc = prob.select(1, c).contiguous();
            if (pc.max().item<float>() == 0.0f) continue;  // a class masked out of the task
            accumulate(logp.select(1, c).sum(), pc);
        }
    }
    for (auto& f : fisher) f.div_(double(n));
    return fisher;
}

void Ewc::consolidate(const std::vector<torch::Tensor>& params, std::vector<torch::Tensor> fisher) {
    if (fisher.size() != params.size()) throw ConfigError("continual: Fisher and parameters differ in count");
    Term t;
    for (const auto& p : params) t.anchor.push_back(p.detach().clone());
    if (gamma_ > 0 && !terms_.empty()) {
        for (std::size_t i = 0; i < fisher.size(); ++i) fisher[i].add_(terms_[0].fisher[i], gamma_);
        terms_.clear();
    }
    // Entries this small protect nothing, and as squares of tiny gradients many are
    // denormal floats, whose products run about a hundred times slower on x86.
    for (auto& f : fisher) f.masked_fill_(f.lt(kFisherFloor), 0.0);
    t.fisher = std::move(fisher);
    // The gradient's running sums: per task A += F_k, B += F_k theta*_k; online the one
    // merged term is all there is.
    if (gamma_ > 0 || a_.empty()) {
        a_.clear();
        b_.clear();
        for (std::size_t i = 0; i < t.fisher.size(); ++i) {
            a_.push_back(t.fisher[i].clone());
            b_.push_back(t.fisher[i] * t.anchor[i]);
        }
    } else {
        for (std::size_t i = 0; i < t.fisher.size(); ++i) {
            a_[i].add_(t.fisher[i]);
            b_[i].addcmul_(t.fisher[i], t.anchor[i]);
        }
    }
    terms_.push_back(std::move(t));
}

void Ewc::add_gradient(const std::vector<torch::Tensor>& params, double lambda) const {
    if (a_.empty()) return;
    torch::NoGradGuard no_grad;
    for (std::size_t i = 0; i < params.size(); ++i) {
        torch::Tensor g = params[i].mutable_grad();
        if (!g.defined()) {
            params[i].mutable_grad() = torch::zeros_like(params[i]);
            g = params[i].mutable_grad();
        }
        g.addcmul_(a_[i], params[i], 2.0 * lambda).add_(b_[i], -2.0 * lambda);
    }
}

torch::Tensor Ewc::penalty(const std::vector<torch::Tensor>& params) const {
    torch::Tensor sum = torch::zeros({}, params.empty() ? torch::kFloat32 : params[0].scalar_type());
    for (const Term& t : terms_)
        for (std::size_t i = 0; i < params.size(); ++i) sum = sum + (t.fisher[i] * (params[i] - t.anchor[i]).square()).sum();
    return sum;
}

}  // namespace sparq::engine::continual

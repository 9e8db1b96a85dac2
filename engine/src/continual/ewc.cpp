#include "continual/ewc.h"

#include "sparq/engine/errors.h"

namespace sparq::engine::continual {

namespace {

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

void Ewc::consolidate(const std::vector<torch::Tensor>& params, std::vector<torch::Tensor> fisher) {
    if (fisher.size() != params.size()) throw ConfigError("continual: Fisher and parameters differ in count");
    Term t;
    for (const auto& p : params) t.anchor.push_back(p.detach().clone());
    if (gamma_ > 0 && !terms_.empty()) {
        for (std::size_t i = 0; i < fisher.size(); ++i) fisher[i].add_(terms_[0].fisher[i], gamma_);
        terms_.clear();
    }
    t.fisher = std::move(fisher);
    terms_.push_back(std::move(t));
}

torch::Tensor Ewc::penalty(const std::vector<torch::Tensor>& params) const {
    torch::Tensor sum = torch::zeros({}, params.empty() ? torch::kFloat32 : params[0].scalar_type());
    for (const Term& t : terms_)
        for (std::size_t i = 0; i < params.size(); ++i) sum = sum + (t.fisher[i] * (params[i] - t.anchor[i]).square()).sum();
    return sum;
}

}  // namespace sparq::engine::continual

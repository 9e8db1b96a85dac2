#pragma once
// Elastic Weight Consolidation: the diagonal Fisher information and the quadratic penalty.
#include <torch/types.h>

#include <functional>
#include <vector>

#include "models/models.h"

namespace sparq::engine::continual {

enum class FisherKind {
    Empirical,  // E_x[ (d/dtheta log p(y_x | x))^2 ] with the observed label y_x
    True,       // E_x[ sum_c p(c | x) (d/dtheta log p(c | x))^2 ] - the expectation taken exactly
};

/// Maps a batch of inputs to logits; the model's forward with the task's class mask applied.
using LogitsFn = std::function<torch::Tensor(const torch::Tensor&)>;

/// Diagonal Fisher of `params` over the rows of x (labels y), averaged over rows. Every row's
/// gradient is taken on its own (no batch-level shortcut), so the squares are of per-sample
/// gradients and the result is exact. Classes whose logit is -inf (masked out of the task)
/// have probability 0 and add nothing to the true Fisher.
std::vector<torch::Tensor> fisher_diagonal(const LogitsFn& logits, const std::vector<torch::Tensor>& params,
                                           const torch::Tensor& x, const torch::Tensor& y, FisherKind kind);

/// The same Fisher for an MLP, from batched per-sample gradients and still exact: a linear
/// layer z = W a + b has the per-sample gradient g_i a_i^T (g_i = d log p / d z_i, which
/// one backward of the batch's summed log-likelihood yields row by row, since rows do not
/// interact), so sum_i (g_i a_i^T)^2 = (G o G)^T (A o A). One backward (empirical) or one
/// per class (true) for the whole batch instead of one per sample. `mask` is the task's
/// class mask [1, classes] (or undefined for all classes).
std::vector<torch::Tensor> mlp_fisher_diagonal(models::MlpImpl& mlp, const torch::Tensor& mask, const torch::Tensor& x,
                                               const torch::Tensor& y, FisherKind kind);

/// The EWC penalty sum_k sum_i F_k,i (theta_i - theta*_k,i)^2, without the lambda factor.
/// Kept per task (online_gamma = 0) or merged online: F <- gamma * F + F_k, theta* <- theta_k.
class Ewc {
public:
    explicit Ewc(double online_gamma = 0.0) : gamma_(online_gamma) {}

    /// Anchors the current parameter values with their Fisher (after a task).
    void consolidate(const std::vector<torch::Tensor>& params, std::vector<torch::Tensor> fisher);
    /// Differentiable in params; a zero scalar before the first consolidation.
    torch::Tensor penalty(const std::vector<torch::Tensor>& params) const;
    /// Adds lambda * d penalty / d params to the params' gradients without building a graph:
    /// 2 lambda (A theta - B) with A = sum_k F_k and B = sum_k F_k theta*_k kept up to date
    /// by consolidate(), two element-wise passes per tensor however many tasks there are.
    void add_gradient(const std::vector<torch::Tensor>& params, double lambda) const;
    std::size_t terms() const { return terms_.size(); }

private:
    struct Term {
        std::vector<torch::Tensor> fisher, anchor;
    };
    double gamma_;
    std::vector<Term> terms_;
    std::vector<torch::Tensor> a_, b_;  // sum of F_k and of F_k theta*_k
};

}  // namespace sparq::engine::continual

#include "sparse/sparsity_stats.h"

#include "cpu/gated_kernels.h"

namespace sparq::engine::sparse {

SparsityTally::SparsityTally(models::ClassifierImpl& model)
    : total_params_(models::parameter_count(model)) {
    for (auto& g : model.gated_layers()) {
        layers_.push_back({g->shape(), 0.0, std::vector<double>(g->shape().blocks, 0.0)});
        gated_params_ += kernels::gated_total_params(g->shape());
    }
}

void SparsityTally::add(models::ClassifierImpl& model, std::int64_t batch) {
    auto gated = model.gated_layers();
    for (std::size_t i = 0; i < gated.size() && i < layers_.size(); ++i) {
        const models::GateStats& st = gated[i]->stats();
        layers_[i].kept += st.kept.sum().item<double>();
        const auto load = st.load.to(torch::kFloat64).contiguous();
        for (std::size_t e = 0; e < layers_[i].load.size(); ++e)
            layers_[i].load[e] += load.data_ptr<double>()[e];
    }
    const auto& zeros = model.relu_zero_fraction();
    if (relu_zero_.size() < zeros.size()) relu_zero_.resize(zeros.size(), 0.0);
    for (std::size_t i = 0; i < zeros.size(); ++i) relu_zero_[i] += zeros[i] * double(batch);
    inputs_ += batch;
}

double SparsityTally::active_param_fraction() const {
    if (inputs_ == 0 || layers_.empty() || total_params_ == 0) return 1.0;
    // Outside the gated layers every parameter is touched by every input.
    double touched = double(total_params_ - gated_params_) * double(inputs_);
    for (const Layer& l : layers_) {
        const double per_block = double(l.shape.block_out()) * (l.shape.in + 1);
        const double gates = double(l.shape.groups + l.shape.blocks) * (l.shape.in + 1);
        touched += l.kept * per_block + gates * double(inputs_);
    }
    return touched / (double(total_params_) * double(inputs_));
}

std::vector<double> SparsityTally::layer_active_fraction() const {
    std::vector<double> out;
    for (const Layer& l : layers_)
        out.push_back(inputs_ ? l.kept / (double(inputs_) * l.shape.blocks) : 0.0);
    return out;
}

std::vector<std::vector<double>> SparsityTally::layer_load() const {
    std::vector<std::vector<double>> out;
    for (const Layer& l : layers_) {
        std::vector<double> share(l.load.size());
        for (std::size_t e = 0; e < share.size(); ++e)
            share[e] = inputs_ ? l.load[e] / double(inputs_) : 0.0;
        out.push_back(std::move(share));
    }
    return out;
}

std::vector<double> SparsityTally::relu_zero_fraction() const {
    std::vector<double> out;
    for (double z : relu_zero_) out.push_back(inputs_ ? z / double(inputs_) : 0.0);
    return out;
}

}  // namespace sparq::engine::sparse

#pragma once
// Fashion-MNIST as torch tensors, loaded once per folder and shared by all jobs.
#include <torch/types.h>

#include <memory>
#include <string>

namespace sparq::engine::data {

struct Split {
    torch::Tensor images;  // float32 [N, 784], normalised with the training set's mean/std
    torch::Tensor labels;  // int64 [N]
    std::int64_t size() const { return labels.size(0); }
};

struct FashionMnist {
    Split train;
    Split test;
};

/// Training-set pixel statistics used for normalisation (pixels scaled to [0, 1] first).
inline constexpr float kPixelMean = 0.2860f;
inline constexpr float kPixelStd = 0.3530f;

/// Loads (or returns the cached copy of) the data set in `dir`. Throws DataError.
std::shared_ptr<const FashionMnist> load_fashion_mnist(const std::string& dir);

}  // namespace sparq::engine::data

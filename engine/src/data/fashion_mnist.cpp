#include "data/fashion_mnist.h"

#include <map>
#include <mutex>

#include "data/idx.h"

namespace sparq::engine::data {

namespace {

Split to_tensors(IdxSplit&& s) {
    Split out;
    const std::int64_t n = s.count, d = std::int64_t(s.rows) * s.cols;
    auto pixels = torch::from_blob(s.pixels.data(), {n, d}, torch::kUInt8);
    out.images = pixels.to(torch::kFloat32).div_(255.0f).sub_(kPixelMean).div_(kPixelStd);
    out.labels = torch::from_blob(s.labels.data(), {n}, torch::kUInt8).to(torch::kInt64);
    return out;
}

}  // namespace

std::shared_ptr<const FashionMnist> load_fashion_mnist(const std::string& dir) {
    static std::mutex mutex;
    static std::map<std::string, std::weak_ptr<const FashionMnist>> cache;
    std::lock_guard lock(mutex);
    if (auto hit = cache[dir].lock()) return hit;
    auto ds = std::make_shared<FashionMnist>();
    ds->train = to_tensors(read_idx_split(dir, "train"));
    ds->test = to_tensors(read_idx_split(dir, "t10k"));
    cache[dir] = ds;
    return ds;
}

}  // namespace sparq::engine::data

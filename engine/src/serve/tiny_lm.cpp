#include "serve/tiny_lm.h"

#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/loss.h>
#include <torch/serialize.h>
#include <torch/utils.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace sparq::engine::serve {

namespace F = torch::nn::functional;
using torch::indexing::Slice;

std::int64_t KvCache::bytes() const {
    std::int64_t n = 0;
    for (const auto* part : {&k, &v})
        for (const torch::Tensor& t : *part)
            if (t.defined()) n += std::int64_t(t.storage().nbytes());
    return n;
}

void KvCache::copy_rows_from(const KvCache& from, const torch::Tensor& rows) {
    for (std::size_t l = 0; l < k.size(); ++l) {
        k[l].narrow(2, 0, from.slots).index_copy_(0, rows, from.k[l]);
        v[l].narrow(2, 0, from.slots).index_copy_(0, rows, from.v[l]);
    }
}

void KvCache::keep_rows(const torch::Tensor& rows) {
    for (std::size_t l = 0; l < k.size(); ++l) {
        k[l] = k[l].index_select(0, rows);
        v[l] = v[l].index_select(0, rows);
    }
}

TinyLmImpl::TinyLmImpl(const LmConfig& c) : config_(c) {
    if (c.d_model % c.heads != 0 || (c.d_model / c.heads) % 2 != 0)
        throw std::invalid_argument("tiny-lm: d_model must split into heads of an even width");
    embed_ = register_module("embed", torch::nn::Embedding(256, c.d_model));
    for (int i = 0; i < c.layers; ++i) {
        Block b;
        const std::string p = "block" + std::to_string(i) + "_";
        b.ln1 = register_module(p + "ln1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.d_model})));
        b.ln2 = register_module(p + "ln2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.d_model})));
        b.qkv = register_module(p + "qkv", torch::nn::Linear(torch::nn::LinearOptions(c.d_model, 3 * c.d_model).bias(false)));
        b.proj = register_module(p + "proj", torch::nn::Linear(c.d_model, c.d_model));
        b.ff1 = register_module(p + "ff1", torch::nn::Linear(c.d_model, c.ff));
        b.ff2 = register_module(p + "ff2", torch::nn::Linear(c.ff, c.d_model));
        blocks_.push_back(b);
    }
    ln_f_ = register_module("ln_f", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.d_model})));
    head_ = register_module("head", torch::nn::Linear(c.d_model, 256));
    const std::int64_t half = c.d_model / c.heads / 2;
    inv_freq_ = register_buffer(
        "inv_freq", torch::pow(10000.0, -torch::arange(half, torch::kFloat) / double(half)));
}

// x: [..., H, dh] with one position per leading index; pos broadcasts over x's leading
// dimensions ([B, T]).
torch::Tensor TinyLmImpl::rotate(const torch::Tensor& x, const torch::Tensor& pos) const {
    const std::int64_t half = x.size(-1) / 2;
    const torch::Tensor angle = (pos.to(torch::kFloat).unsqueeze(-1) * inv_freq_).unsqueeze(-2);  // [B, T, 1, half]
    const torch::Tensor c = angle.cos(), s = angle.sin();
    const torch::Tensor x1 = x.narrow(-1, 0, half), x2 = x.narrow(-1, half, half);
    return torch::cat({x1 * c - x2 * s, x1 * s + x2 * c}, -1);
}

KvCache TinyLmImpl::empty_cache(std::int64_t rows, std::int64_t slots, bool ring) const {
    KvCache c;
    c.ring = ring;
    c.slots = slots;
    const std::int64_t H = config_.heads, dh = config_.d_model / H;
    for (std::size_t l = 0; l < blocks_.size(); ++l) {
        c.k.push_back(torch::zeros({rows, H, slots, dh}));
        c.v.push_back(torch::zeros({rows, H, slots, dh}));
    }
    return c;
}

torch::Tensor TinyLmImpl::mlp(Block& b, const torch::Tensor& x) {
    return b.ff2->forward(F::gelu(b.ff1->forward(x)));
}

namespace {

// Additive mask [T, T]: position i sees j <= i, and with a window only j > i - window.
torch::Tensor causal_bias(std::int64_t t, std::int64_t window) {
    const torch::Tensor i = torch::arange(t).unsqueeze(1), j = torch::arange(t).unsqueeze(0);
    torch::Tensor allowed = j <= i;
    if (window > 0) allowed = allowed & (j > i - window);
    return torch::zeros({t, t}).masked_fill(allowed.logical_not(), -std::numeric_limits<float>::infinity());
}

}  // namespace

torch::Tensor TinyLmImpl::forward(const torch::Tensor& tokens, std::int64_t window) {
    const std::int64_t B = tokens.size(0), T = tokens.size(1), H = config_.heads, dh = config_.d_model / H;
    const double scale = 1.0 / std::sqrt(double(dh));
    const torch::Tensor pos = torch::arange(T).unsqueeze(0);
    const torch::Tensor bias = causal_bias(T, window);
    torch::Tensor x = embed_->forward(tokens);
    for (Block& b : blocks_) {
        const torch::Tensor qkv = b.qkv->forward(b.ln1->forward(x)).view({B, T, 3, H, dh});
        const torch::Tensor q = rotate(qkv.select(2, 0), pos).transpose(1, 2);  // [B, H, T, dh]
        const torch::Tensor k = rotate(qkv.select(2, 1), pos).transpose(1, 2);
        const torch::Tensor v = qkv.select(2, 2).transpose(1, 2);
        const torch::Tensor att = torch::softmax(torch::matmul(q, k.transpose(2, 3)) * scale + bias, -1);
        x = x + b.proj->forward(torch::matmul(att, v).transpose(1, 2).reshape({B, T, config_.d_model}));
        x = x + mlp(b, b.ln2->forward(x));
    }
    return head_->forward(ln_f_->forward(x));
}

torch::Tensor TinyLmImpl::prefill(const torch::Tensor& tokens, const torch::Tensor& lengths, std::int64_t slots,
                                  std::int64_t window, KvCache& cache) {
    const std::int64_t B = tokens.size(0), L = tokens.size(1), H = config_.heads, dh = config_.d_model / H;
    const double scale = 1.0 / std::sqrt(double(dh));
    cache.ring = window > 0;
    cache.slots = cache.ring ? window : slots;
    if (!cache.ring && slots < L) throw std::invalid_argument("tiny-lm: cache smaller than the prompt");
    const torch::Tensor pos = torch::arange(L).unsqueeze(0);
    const torch::Tensor bias = causal_bias(L, window);
    const torch::Tensor len = lengths.to(torch::kLong);
    // Ring: slot s of row b keeps the latest prompt position p < len_b with p % window == s.
    torch::Tensor ring_index;
    if (cache.ring) {
        const torch::Tensor s = torch::arange(window).unsqueeze(0);
        const torch::Tensor d = (len.unsqueeze(1) - 1 - s).clamp_min(0);
        ring_index = (s + window * torch::div(d, window, "trunc")).clamp_max(L - 1);
        ring_index = ring_index.view({B, 1, window, 1}).expand({B, H, window, dh});
    }
    cache.k.assign(blocks_.size(), {});
    cache.v.assign(blocks_.size(), {});
    torch::Tensor x = embed_->forward(tokens);
    for (std::size_t l = 0; l < blocks_.size(); ++l) {
        Block& b = blocks_[l];
        const torch::Tensor qkv = b.qkv->forward(b.ln1->forward(x)).view({B, L, 3, H, dh});
        const torch::Tensor q = rotate(qkv.select(2, 0), pos).transpose(1, 2);
        const torch::Tensor k = rotate(qkv.select(2, 1), pos).transpose(1, 2);  // [B, H, L, dh]
        const torch::Tensor v = qkv.select(2, 2).transpose(1, 2);
        const torch::Tensor att = torch::softmax(torch::matmul(q, k.transpose(2, 3)) * scale + bias, -1);
        x = x + b.proj->forward(torch::matmul(att, v).transpose(1, 2).reshape({B, L, config_.d_model}));
        x = x + mlp(b, b.ln2->forward(x));
        if (cache.ring) {
            cache.k[l] = k.gather(2, ring_index).contiguous();
            cache.v[l] = v.gather(2, ring_index).contiguous();
        } else {
            cache.k[l] = torch::zeros({B, H, slots, dh});
            cache.v[l] = torch::zeros({B, H, slots, dh});
            cache.k[l].narrow(2, 0, L).copy_(k);
            cache.v[l].narrow(2, 0, L).copy_(v);
        }
    }
    const torch::Tensor last = x.gather(1, (len - 1).view({B, 1, 1}).expand({B, 1, config_.d_model})).squeeze(1);
    return head_->forward(ln_f_->forward(last));
}

torch::Tensor TinyLmImpl::decode(const torch::Tensor& token, const torch::Tensor& pos, KvCache& cache) {
    const std::int64_t B = token.size(0), H = config_.heads, dh = config_.d_model / H;
    const double scale = 1.0 / std::sqrt(double(dh));
    const torch::Tensor p = pos.to(torch::kLong);
    // Full mode: the slots past every row's position are empty, so attention runs over the
    // slots up to the furthest row only, not the whole allocation.
    const std::int64_t S = cache.ring ? cache.slots : std::min(cache.slots, p.max().item<std::int64_t>() + 1);
    const torch::Tensor slot = cache.ring ? torch::remainder(p, S) : p;
    const torch::Tensor rows = torch::arange(B);
    // A row sees its slots up to its position; a ring that has wrapped holds only the window.
    torch::Tensor valid = torch::arange(S).unsqueeze(0) <= p.unsqueeze(1);
    if (cache.ring) valid = valid | (p >= S - 1).unsqueeze(1);
    const torch::Tensor bias =
        torch::zeros({B, 1, S}).masked_fill(valid.logical_not().view({B, 1, S}), -std::numeric_limits<float>::infinity());
    torch::Tensor x = embed_->forward(token).unsqueeze(1);  // [B, 1, D]
    const torch::Tensor pos2 = p.unsqueeze(1);
    for (std::size_t l = 0; l < blocks_.size(); ++l) {
        Block& b = blocks_[l];
        const torch::Tensor qkv = b.qkv->forward(b.ln1->forward(x)).view({B, 1, 3, H, dh});
        const torch::Tensor q = rotate(qkv.select(2, 0), pos2).transpose(1, 2);  // [B, H, 1, dh]
        const torch::Tensor k = rotate(qkv.select(2, 1), pos2).squeeze(1);      // [B, H, dh]
        const torch::Tensor v = qkv.select(2, 2).squeeze(1);
        cache.k[l].index_put_({rows, Slice(), slot}, k);
        cache.v[l].index_put_({rows, Slice(), slot}, v);
        const torch::Tensor keys = cache.k[l].narrow(2, 0, S), values = cache.v[l].narrow(2, 0, S);
        // One query per row: products and sums over the cache in place of B x H tiny matrix
        // products (LibTorch's CPU bmm runs those one by one).
        const torch::Tensor att = torch::softmax((keys * q).sum(-1) * scale + bias, -1);  // [B, H, S]
        const torch::Tensor y = (att.unsqueeze(-1) * values).sum(2);  // [B, H, dh]
        x = x + b.proj->forward(y.reshape({B, 1, config_.d_model}));
        x = x + mlp(b, b.ln2->forward(x));
    }
    return head_->forward(ln_f_->forward(x)).squeeze(1);
}

Corpus load_corpus(const std::string& folder, double holdout) {
    namespace fs = std::filesystem;
    std::error_code ec;
    std::vector<fs::path> paths;
    for (const auto& e : fs::directory_iterator(folder, ec))
        if (e.is_regular_file() && !e.is_symlink()) paths.push_back(e.path());
    std::sort(paths.begin(), paths.end());
    Corpus c;
    for (const auto& p : paths) {
        std::ifstream in(p, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        const std::string text = ss.str();
        if (text.size() < 64) continue;
        const std::size_t cut = text.size() - std::size_t(double(text.size()) * holdout);
        c.train += text.substr(0, cut);
        c.heldout += text.substr(cut);
        c.files.push_back(p.filename().string());
    }
    if (c.train.size() < 4096 || c.heldout.size() < 1024)
        throw std::runtime_error("no text to train tiny-lm on in " + folder +
                                 (ec ? " (" + ec.message() + ")" : std::string(" (too few bytes)")));
    return c;
}

torch::Tensor bytes_tensor(const std::string& s) {
    std::vector<std::int64_t> v(s.begin(), s.end());
    for (auto& b : v) b &= 0xff;
    return torch::tensor(v, torch::kLong);
}

LmEval evaluate_lm(TinyLm& model, const std::string& text, std::int64_t length, std::int64_t window, int max_windows) {
    torch::NoGradGuard no_grad;
    model->eval();
    const std::int64_t available = std::int64_t(text.size()) - length - 1;
    if (available < 0) throw std::invalid_argument("tiny-lm: held-out text shorter than the evaluation length");
    const int n = int(std::min<std::int64_t>(max_windows, available / std::max<std::int64_t>(1, length / 4) + 1));
    LmEval r;
    double loss_sum = 0;
    std::int64_t correct = 0;
    for (int w = 0; w < n; ++w) {
        const std::int64_t at = n == 1 ? 0 : available * w / (n - 1);
        const torch::Tensor seq = bytes_tensor(text.substr(std::size_t(at), std::size_t(length + 1))).unsqueeze(0);
        const torch::Tensor logits = model->forward(seq.narrow(1, 0, length), window).squeeze(0);
        const torch::Tensor target = seq.narrow(1, 1, length).squeeze(0);
        loss_sum += F::cross_entropy(logits, target, F::CrossEntropyFuncOptions().reduction(torch::kSum)).item<double>();
        correct += logits.argmax(-1).eq(target).sum().item<std::int64_t>();
        r.bytes += length;
    }
    r.loss = loss_sum / double(r.bytes);
    r.accuracy = double(correct) / double(r.bytes);
    return r;
}

}  // namespace sparq::engine::serve

#pragma once
// tiny-lm: a small byte-level transformer language model (pre-LN blocks, rotary position
// encoding, causal attention) with a KV cache for batched generation.
//
// Attention runs in two modes:
// - full: every position attends to all earlier ones; the cache keeps every position of a row;
// - segmented: every position attends to the last `window` positions only (a sliding window);
//   the cache is a ring of `window` slots per row, so its memory stops growing with the input.
// Rotary encoding makes attention depend on distances only, so the segmented mode runs at any
// length with the distances the model was trained on.
//
// Rows of a batch have their own lengths and positions: prompts are right-padded, and every
// decode step writes each row's token at that row's position.
#include <torch/nn/module.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace sparq::engine::serve {

struct LmConfig {
    int d_model = 128;
    int layers = 3;
    int heads = 4;
    int ff = 512;
    int context = 256;  // training sequence length
};

/// The cache of one batch: per layer K and V, [rows, slots, d_model], rotary already applied
/// to K. Full mode: slot = position, `slots` covers the longest row. Segmented: slot =
/// position % window.
struct KvCache {
    std::vector<torch::Tensor> k, v;
    std::int64_t slots = 0;
    bool ring = false;
    /// Bytes of the cache's tensors as allocated (their storages), observed.
    std::int64_t bytes() const;
    /// Copies rows of `from` (all of them, in order) into rows `rows` of this cache, which
    /// must have the same layout but may have more slots (full mode): `from` fills their first
    /// slots. A row never reads its slots past its position, so what the rest held is moot.
    void copy_rows_from(const KvCache& from, const torch::Tensor& rows);
    /// Keeps only rows `rows` (in that order); the others' memory is released.
    void keep_rows(const torch::Tensor& rows);
};

class TinyLmImpl : public torch::nn::Module {
public:
    explicit TinyLmImpl(const LmConfig& config);

    /// Logits [B, T, 256] of every position of tokens [B, T] (int64 bytes). window > 0:
    /// each position sees the last `window` positions only.
    torch::Tensor forward(const torch::Tensor& tokens, std::int64_t window = 0);

    /// Runs right-padded prompts [B, L] (row b's prompt is its first lengths[b] tokens) and
    /// fills a new cache of `slots` slots per row (segmented: window > 0 slots in a ring).
    /// Returns the logits at each row's last prompt position, [B, 256].
    torch::Tensor prefill(const torch::Tensor& tokens, const torch::Tensor& lengths, std::int64_t slots,
                          std::int64_t window, KvCache& cache);

    /// One generation step: token [B] is written at position pos [B] of each row, attends to
    /// the row's cached positions, and the next-byte logits [B, 256] come back.
    torch::Tensor decode(const torch::Tensor& token, const torch::Tensor& pos, KvCache& cache);

    /// A zeroed cache of `rows` rows (continuous batching keeps one for its whole run).
    KvCache empty_cache(std::int64_t rows, std::int64_t slots, bool ring) const;

    const LmConfig& config() const { return config_; }

private:
    struct Block {
        torch::nn::LayerNorm ln1{nullptr}, ln2{nullptr};
        torch::nn::Linear qkv{nullptr}, proj{nullptr}, ff1{nullptr}, ff2{nullptr};
    };
    torch::Tensor rotate(const torch::Tensor& x, const torch::Tensor& pos) const;
    torch::Tensor mlp(Block& b, const torch::Tensor& x);

    LmConfig config_;
    torch::nn::Embedding embed_{nullptr};
    std::vector<Block> blocks_;
    torch::nn::LayerNorm ln_f_{nullptr};
    torch::nn::Linear head_{nullptr};
    torch::Tensor inv_freq_;  // rotary frequencies, [head_dim / 2]
};
TORCH_MODULE(TinyLm);

/// Text for training and evaluation: every regular file of a folder (sorted by name), split
/// per file into training bytes and held-out bytes (the last `holdout` share of each file).
struct Corpus {
    std::string train, heldout;
    std::vector<std::string> files;
};
/// Throws std::runtime_error naming the folder when it holds no readable text.
Corpus load_corpus(const std::string& folder, double holdout = 0.1);

/// Mean next-byte cross-entropy (nats) and accuracy over `text`, in windows of `length`
/// (window > 0: segmented attention). At most `max_windows` windows, evenly spread.
struct LmEval {
    double loss = 0;
    double accuracy = 0;
    std::int64_t bytes = 0;
};
LmEval evaluate_lm(TinyLm& model, const std::string& text, std::int64_t length, std::int64_t window,
                   int max_windows = 64);

/// Bytes of `s` as an int64 tensor.
torch::Tensor bytes_tensor(const std::string& s);

}  // namespace sparq::engine::serve

#include "serve/lm_cache.h"

#include <torch/nn/functional/loss.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adamw.h>
#include <torch/serialize.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <random>

#include "job/job_context.h"
#include "serve/server.h"
#include "sparq/engine/errors.h"

namespace sparq::engine::serve {

namespace fs = std::filesystem;

LmConfig config_of(const LmSpec& m) { return LmConfig{m.d_model, m.layers, m.heads, m.ff, m.context}; }

namespace {

std::string cache_name(const LmSpec& m) {
    char name[256];
    std::snprintf(name, sizeof name, "%s-d%d-l%d-h%d-f%d-c%d-s%d-b%d-lr%g-seed%llu.pt", m.preset.c_str(), m.d_model,
                  m.layers, m.heads, m.ff, m.context, m.train_steps, m.batch, m.lr, static_cast<unsigned long long>(m.seed));
    return name;
}

TinyLm train_lm(const LmSpec& s, const Corpus& corpus, const ServeLog& log, JobContext* ctx, double from, double to) {
    // The spec's threads (one by default): more train faster on an idle machine, but beside
    // other work OpenMP's spinning threads wait for a descheduled one at every operator
    // (measured here: 0.07 s steps became 1.2 s while a compiler ran on the other core).
    torch::manual_seed(std::int64_t(s.seed));
    TinyLm model(config_of(s));
    model->train();
    torch::optim::AdamW opt(model->parameters(), torch::optim::AdamWOptions(s.lr).weight_decay(0.01));
    const torch::Tensor data = bytes_tensor(corpus.train);
    const std::int64_t span = data.size(0) - s.context - 1;
    std::mt19937_64 rng(s.seed);
    std::uniform_int_distribution<std::int64_t> start(0, span);
    const auto t0 = std::chrono::steady_clock::now();
    double ema = 0;
    std::optional<StepProgress> progress;
    if (ctx) progress.emplace(*ctx, "training " + s.preset, 1, s.train_steps, from, to);
    for (int step = 0; step < s.train_steps; ++step) {
        if (progress && progress->stop()) throw ServeStopped{};
        // Warm-up for 5% of the steps, then cosine decay to a tenth.
        const double warm = std::max(1.0, 0.05 * s.train_steps), p = step / double(std::max(1, s.train_steps));
        const double lr = step < warm ? s.lr * (step + 1) / warm : s.lr * (0.1 + 0.45 * (1 + std::cos(M_PI * p)));
        for (auto& g : opt.param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
        std::vector<std::int64_t> starts(std::size_t(s.batch));
        for (auto& x : starts) x = start(rng);
        const torch::Tensor index = torch::tensor(starts).unsqueeze(1) + torch::arange(s.context + 1).unsqueeze(0);
        const torch::Tensor seq = data.index({index});
        const torch::Tensor logits = model->forward(seq.narrow(1, 0, s.context));
        const torch::Tensor loss = torch::nn::functional::cross_entropy(logits.reshape({-1, 256}),
                                                                        seq.narrow(1, 1, s.context).reshape({-1}));
        opt.zero_grad();
        loss.backward();
        torch::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
        opt.step();
        const double l = loss.item<double>();
        ema = step == 0 ? l : 0.95 * ema + 0.05 * l;
        if (progress) progress->step_done(l, s.batch);
        if (log && ((step + 1) % 50 == 0 || step + 1 == s.train_steps)) {
            char line[160];
            std::snprintf(line, sizeof line, "training %s: step %d/%d, loss %.3f nats/byte, %.0f s", s.preset.c_str(),
                          step + 1, s.train_steps, ema,
                          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
            log(line);
        }
    }
    model->eval();
    return model;
}

}  // namespace

TinyLm obtain_model(const LmSpec& s, const std::string& checkpoint, const std::string& cache_dir, const Corpus& corpus,
                    const ServeLog& log, std::vector<std::string>& messages, std::string* path_out, JobContext* ctx,
                    double from, double to) {
    TinyLm model(config_of(s));
    std::string path = checkpoint;
    if (path.empty()) {
        fs::create_directories(cache_dir);
        path = (fs::path(cache_dir) / cache_name(s)).string();
        if (!fs::exists(path)) {
            const auto t0 = std::chrono::steady_clock::now();
            model = train_lm(s, corpus, log, ctx, from, to);
            const std::string tmp = path + ".tmp";
            torch::save(model, tmp);
            fs::rename(tmp, path);
            char line[256];
            std::snprintf(line, sizeof line, "trained %s (%d steps in %.0f s) on %zu files of %s; cached as %s",
                          s.preset.c_str(), s.train_steps,
                          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
                          corpus.files.size(), s.text_dir.c_str(), path.c_str());
            messages.push_back(line);
            if (log) log(line);
        }
    }
    if (!fs::exists(path)) throw ConfigError("checkpoint: no such file: " + path);
    try {
        torch::load(model, path);
    } catch (const c10::Error& e) {
        throw ConfigError("checkpoint " + path + " is not a " + s.preset + " model of this configuration (d_model " +
                          std::to_string(s.d_model) + ", " + std::to_string(s.layers) + " layers)");
    }
    model->eval();
    if (path_out) *path_out = path;
    return model;
}

// Decode milliseconds per generated byte at batch 1: the router's latency estimates.

double ms_per_byte(TinyLm& model, const std::string& text) {
    torch::NoGradGuard no_grad;
    const torch::Tensor prompt = bytes_tensor(text.substr(0, 32)).unsqueeze(0);
    const torch::Tensor len = torch::tensor(std::vector<std::int64_t>{32});
    KvCache cache;
    torch::Tensor next = model->prefill(prompt, len, 32 + 33, 0, cache).argmax(-1);
    torch::Tensor pos = len.clone();
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 32; ++i) {
        next = model->decode(next, pos, cache).argmax(-1);
        pos += 1;
    }
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / 32;
}

}  // namespace sparq::engine::serve

#include "train/checkpoint.h"

#include <fcntl.h>
#include <torch/serialize.h>
#include <unistd.h>

#include <filesystem>

#include "models/models.h"
#include "sparq/engine/errors.h"

namespace fs = std::filesystem;

namespace sparq::engine::train {

namespace {

void fsync_path(const std::string& path, bool directory) {
    const int fd = ::open(path.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

torch::Tensor string_tensor(const std::string& s) {
    return torch::from_blob(const_cast<char*>(s.data()), {std::int64_t(s.size())}, torch::kUInt8)
        .clone();
}

std::string tensor_string(const torch::Tensor& t) {
    const auto c = t.contiguous();
    return std::string(reinterpret_cast<const char*>(c.data_ptr<std::uint8_t>()),
                       std::size_t(c.numel()));
}

std::string shape_str(c10::IntArrayRef sizes) {
    std::string s = "[";
    for (std::size_t i = 0; i < sizes.size(); ++i) s += (i ? "," : "") + std::to_string(sizes[i]);
    return s + "]";
}

// Module::load replaces tensors without comparing shapes, so a checkpoint of another
// architecture would load "successfully". Load, then compare against the shapes before.
void load_model_checked(const std::string& path, torch::nn::Module& model,
                        torch::serialize::InputArchive& model_ar) {
    std::vector<std::pair<std::string, std::vector<std::int64_t>>> expected;
    for (const auto& p : model.named_parameters()) expected.emplace_back(p.key(), p.value().sizes().vec());
    for (const auto& b : model.named_buffers()) expected.emplace_back(b.key(), b.value().sizes().vec());
    model.load(model_ar);
    std::size_t i = 0;
    auto check = [&](const std::string& name, const torch::Tensor& t) {
        const auto& [want_name, want] = expected[i++];
        if (name != want_name || t.sizes().vec() != want)
            throw DataError("checkpoint " + path + " is from another architecture: it has " +
                            name + " " + shape_str(t.sizes()) + " where this job's model has " +
                            want_name + " " + shape_str(want));
    };
    for (const auto& p : model.named_parameters()) check(p.key(), p.value());
    for (const auto& b : model.named_buffers()) check(b.key(), b.value());
}

}  // namespace

void write_atomically(const std::string& path,
                      const std::function<void(const std::string&)>& write_to) {
    const fs::path target(path);
    if (target.has_parent_path()) fs::create_directories(target.parent_path());
    const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
    try {
        write_to(tmp);
        fsync_path(tmp, false);
        fs::rename(tmp, target);
        fsync_path(target.parent_path().empty() ? "." : target.parent_path().string(), true);
    } catch (...) {
        std::error_code ec;
        fs::remove(tmp, ec);
        throw;
    }
}

void save_checkpoint(const std::string& path, torch::nn::Module& model,
                     torch::optim::Optimizer& optimizer, const CheckpointInfo& info) {
    torch::serialize::OutputArchive archive, model_ar, optim_ar;
    model.save(model_ar);
    optimizer.save(optim_ar);
    archive.write("model", model_ar);
    archive.write("optimizer", optim_ar);
    archive.write("epoch", torch::tensor(std::int64_t(info.epoch)));
    archive.write("step", torch::tensor(info.step));
    archive.write("spec_json", string_tensor(info.spec_json));
    write_atomically(path, [&](const std::string& tmp) { archive.save_to(tmp); });
}

CheckpointInfo load_checkpoint(const std::string& path, torch::nn::Module& model,
                               torch::optim::Optimizer& optimizer) {
    if (!fs::exists(path))
        throw DataError("checkpoint " + path + " does not exist; pass a checkpoint written by "
                        "a Sparq run (its workspace folder holds checkpoint.pt)");
    CheckpointInfo info;
    try {
        torch::serialize::InputArchive archive, model_ar, optim_ar;
        archive.load_from(path);
        archive.read("model", model_ar);
        load_model_checked(path, model, model_ar);
        archive.read("optimizer", optim_ar);
        optimizer.load(optim_ar);
        torch::Tensor epoch, step, spec;
        archive.read("epoch", epoch);
        archive.read("step", step);
        archive.read("spec_json", spec);
        info.epoch = static_cast<int>(epoch.item<std::int64_t>());
        info.step = step.item<std::int64_t>();
        info.spec_json = tensor_string(spec);
    } catch (const c10::Error& e) {
        const std::string what = e.what_without_backtrace();
        throw DataError("checkpoint " + path +
                        " cannot be loaded into this job's model: it is damaged, not a Sparq "
                        "checkpoint, or from another architecture (" +
                        what.substr(0, what.find('\n')) + ")");
    }
    return info;
}

TrainSpec checkpoint_spec(const std::string& path) {
    if (!fs::exists(path))
        throw DataError("checkpoint " + path + " does not exist");
    std::string json;
    try {
        torch::serialize::InputArchive archive;
        archive.load_from(path);
        torch::Tensor spec;
        archive.read("spec_json", spec);
        json = tensor_string(spec);
    } catch (const c10::Error& e) {
        throw DataError("checkpoint " + path + " is damaged or not a Sparq checkpoint (" +
                        std::string(e.what_without_backtrace()).substr(0, 120) + ")");
    }
    TrainSpec s = train_spec_from_json(json, "checkpoint " + path);
    s.resume.clear();
    return s;
}

std::vector<float> checkpoint_weights(const std::string& path, const TrainSpec& spec) {
    auto model = models::make_model(spec);
    try {
        torch::serialize::InputArchive archive, model_ar;
        archive.load_from(path);
        archive.read("model", model_ar);
        load_model_checked(path, *model, model_ar);
    } catch (const c10::Error& e) {
        throw DataError("checkpoint " + path + " cannot be read: " +
                        std::string(e.what_without_backtrace()).substr(0, 200));
    }
    std::vector<float> out;
    auto append = [&](const torch::Tensor& t) {
        const auto c = t.detach().to(torch::kFloat32).contiguous();
        out.insert(out.end(), c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
    };
    for (const auto& p : model->parameters()) append(p);
    for (const auto& b : model->buffers()) append(b);
    return out;
}

}  // namespace sparq::engine::train

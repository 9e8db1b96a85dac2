#include <ATen/Parallel.h>
#include <fcntl.h>
#include <torch/types.h>
#include <torch/utils.h>
#include <unistd.h>

#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "export/bundle.h"
#include "export/export_job.h"
#include "export/onnx_interp.h"
#include "export/onnx_io.h"
#include "export/onnx_models.h"
#include "export/source.h"
#include "export/triton.h"
#include "export/verify.h"
#include "sparq/engine/errors.h"
#include "sparq/engine/export.h"
#include "sparq/profiler/run_store.h"
#include "train/checkpoint.h"

namespace sparq::engine {

namespace fs = std::filesystem;
using nlohmann::json;

const std::vector<std::string>& class_names() {
    static const std::vector<std::string> names{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
    return names;
}

std::string to_json(const ExportResult& r) {
    json j{{"run_id", r.run_id},
           {"format", r.format},
           {"precision", r.precision},
           {"path", r.path},
           {"files", r.files},
           {"bytes", r.bytes},
           {"architecture", r.architecture},
           {"preset", r.preset},
           {"samples", r.samples},
           {"max_abs_diff", r.max_abs_diff},
           {"argmax_agreement", r.argmax_agreement},
           {"tolerance", r.tolerance},
           {"images_over_tolerance", r.images_over_tolerance},
           {"test_accuracy", r.test_accuracy},
           {"engine_test_accuracy", r.engine_test_accuracy},
           {"quantized_now", r.quantized_now},
           {"checkpoint", r.checkpoint},
           {"messages", r.messages},
           {"device", r.device},
           {"wall_s", r.wall_s}};
    if (r.opset > 0) {
        j["opset"] = r.opset;
        j["ir_version"] = r.ir_version;
    }
    if (!r.int8_model.empty()) j["int8_model"] = r.int8_model;
    return j.dump();
}

namespace exporter {

namespace {

constexpr std::int64_t kClasses = 10;

void write_file(const std::string& path, const std::string& bytes) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw DataError(path + ": cannot create the file (" + std::strerror(errno) + ")");
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const std::string why = std::strerror(errno);
            ::close(fd);
            throw DataError(path + ": cannot write (" + why + "; disk full?)");
        }
        done += std::size_t(n);
    }
    const bool synced = ::fsync(fd) == 0;
    if (::close(fd) != 0 || !synced) throw DataError(path + ": cannot write (" + std::string(std::strerror(errno)) + ")");
}

std::string fixed(double v, int digits) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", digits, v);
    return buf;
}

std::string input_text(const std::string& arch) {
    return std::string("'") + kInputName + "': float32 pixels in [0, 1], " +
           (arch == "cnn" ? "[batch, 1, 28, 28]" : "[batch, 784]") + ", normalised inside the graph as (x - " +
           fixed(0.2860, 4) + ") / " + fixed(0.3530, 4);
}

ModelMeta onnx_meta(const ExportSource& src, const std::string& precision, double engine_accuracy, std::int64_t n) {
    const std::string arch = src.spec.model;
    ModelMeta m;
    m.doc = "Sparq " + arch + " classifier (" + precision + ")" +
            (src.run_id > 0 ? " from run " + std::to_string(src.run_id) : std::string()) + ", preset " + src.preset +
            ". Input " + input_text(arch) + ". Output '" + kOutputName + "': float32 logits [batch, 10] (" +
            "Fashion-MNIST classes in label order).";
    std::string labels;
    for (const auto& c : class_names()) labels += (labels.empty() ? "" : ",") + c;
    m.props = {{"sparq.version", SPARQ_VERSION},
               {"sparq.run_id", std::to_string(src.run_id)},
               {"sparq.run_name", src.run_name},
               {"sparq.preset", src.preset},
               {"sparq.architecture", arch},
               {"sparq.precision", precision},
               {"sparq.test_accuracy", fixed(engine_accuracy, 6)},
               {"sparq.test_images", std::to_string(n)},
               {"sparq.input", input_text(arch)},
               {"sparq.labels", labels},
               {"sparq.opset", std::to_string(kOnnxOpset)}};
    if (arch == "gated-mlp")
        m.props["sparq.sparsity"] = (precision == "int8" ? sparsity_of(src.int8) : sparsity_of(*src.model)).dump();
    if (precision == "int8") m.props["sparq.calibration"] = src.calibration.dump();
    return m;
}

torch::Tensor graph_input(const torch::Tensor& pixels, const std::string& arch) {
    return arch == "cnn" ? pixels.view({-1, 1, 28, 28}) : pixels;
}

// The graph's declared interface, as Triton's config and users rely on it.
void check_interface(const onnx::ModelProto& m, const std::string& arch, const std::string& what) {
    auto dims = [](const onnx::ValueInfoProto& v) {
        std::vector<std::int64_t> d;
        for (const auto& dim : v.type().tensor_type().shape().dim()) d.push_back(dim.has_dim_value() ? dim.dim_value() : -1);
        return d;
    };
    std::vector<std::int64_t> want_in{-1};
    for (const auto d : input_dims(arch)) want_in.push_back(d);
    const auto& g = m.graph();
    if (g.input(0).name() != kInputName || dims(g.input(0)) != want_in || g.output(0).name() != kOutputName ||
        dims(g.output(0)) != std::vector<std::int64_t>{-1, kClasses})
        throw VerificationError(what + ": the graph's input or output is not the declared '" + std::string(kInputName) +
                                "' / '" + kOutputName + "' with a dynamic batch dimension");
}

// Reloads an ONNX file as a runtime would and runs it over the test images.
Agreement check_onnx_file(const std::string& path, const std::string& arch, const TestImages& test,
                          const torch::Tensor& engine, const Bar& bar) {
    const auto m = load_checked(path);
    check_interface(m, arch, path);
    const OnnxInterpreter interp(m);
    const auto got = chunked([&](const torch::Tensor& px) { return interp.run(graph_input(px, arch)); }, test.pixels);
    const auto a = compare(got, engine, test.labels, bar);
    require(a, bar, "the exported model " + path);
    return a;
}

void write_triton(const ExportSpec& spec, const ExportSource& src, const std::string& onnx_bytes,
                  const TestImages& test, const torch::Tensor& engine, const Bar& bar, ExportResult& r, Agreement& a,
                  const std::function<void(const std::string&)>& say) {
    TritonSettings s = spec.triton;
    say(resolve_triton_settings(s, src.summary));
    const std::string arch = src.spec.model;
    const std::string name = !s.model_name.empty() ? s.model_name : export_stem(arch, spec.precision, src.run_id);
    const fs::path repo(spec.out);
    if (fs::exists(repo) && !fs::is_directory(repo))
        throw ConfigError("export: " + spec.out + " is a file; a Triton model repository is a folder");
    fs::create_directories(repo);
    const std::string pid = std::to_string(::getpid());
    const fs::path final_dir = repo / name, stage = repo / ("." + name + ".tmp-" + pid);
    const std::string comment = "Written by Sparq " SPARQ_VERSION " from " +
                                (src.run_id > 0 ? "run " + std::to_string(src.run_id) : "checkpoint " + src.checkpoint) +
                                " (" + src.preset + ", " + arch + ", " + spec.precision + ").\nInput " +
                                input_text(arch) + ".";
    const std::string config = triton_config(name, input_dims(arch), kClasses, s, comment);
    std::string labels;
    for (const auto& c : class_names()) labels += c + "\n";
    std::error_code ec;
    fs::remove_all(stage, ec);
    try {
        fs::create_directories(stage / "1");
        write_file((stage / "1" / "model.onnx").string(), onnx_bytes);
        write_file((stage / "config.pbtxt").string(), config);
        write_file((stage / "labels.txt").string(), labels);
        // The model as Triton's ONNX Runtime backend loads it, and the config as written.
        a = check_onnx_file((stage / "1" / "model.onnx").string(), arch, test, engine, bar);
        std::FILE* f = std::fopen((stage / "config.pbtxt").c_str(), "rb");
        std::string back(config.size() + 1, '\0');
        const std::size_t n = f ? std::fread(back.data(), 1, back.size(), f) : 0;
        if (f) std::fclose(f);
        if (n != config.size() || back.compare(0, n, config) != 0)
            throw VerificationError((stage / "config.pbtxt").string() + " does not read back as written");
        if (fs::exists(final_dir)) {  // replace: the old folder moves aside, the new one in, the old goes
            const fs::path old = repo / ("." + name + ".old-" + pid);
            fs::remove_all(old, ec);
            fs::rename(final_dir, old);
            fs::rename(stage, final_dir);
            fs::remove_all(old, ec);
        } else {
            fs::rename(stage, final_dir);
        }
    } catch (...) {
        fs::remove_all(stage, ec);
        throw;
    }
    r.path = final_dir.string();
    for (const char* f : {"config.pbtxt", "1/model.onnx", "labels.txt"}) {
        r.files.push_back((final_dir / f).string());
        r.bytes += std::int64_t(fs::file_size(final_dir / f));
    }
}

}  // namespace

ExportResult run_export(const ExportSpec& spec, JobContext& ctx) {
    validate(spec);
    const auto t0 = std::chrono::steady_clock::now();
    profiler::RunStore* store = ctx.store;
    const std::string db = store ? store->path() : profiler::default_db_path();
    at::set_num_threads(spec.threads);
    torch::NoGradGuard no_grad;

    ExportResult r;
    r.run_id = spec.run_id;
    r.format = spec.format;
    r.precision = spec.precision;
    r.device = ctx.device.name;
    auto say = [&](const std::string& m) {
        r.messages.push_back(m);
        ctx.log("info", m);
    };
    // Nothing is written before the last phase, and that writes under a temporary name: a
    // cancelled export leaves nothing behind.
    auto phase = [&](const std::string& what, double fraction) {
        if (ctx.should_stop()) throw JobCancelled{};
        ctx.progress(what, fraction);
    };
    phase("reading the model", 0.0);
    ExportSource src = resolve_source(spec, db);
    if (src.run_kind == "quantize" && spec.precision == "fp32")
        say("run " + std::to_string(src.run_id) + " is a quantize run: exporting the float model it started from (" +
            src.checkpoint + ")");
    if (spec.precision == "int8") {
        phase("quantizing", 0.1);
        ensure_int8(src, db, store, say);
    }
    r.architecture = src.spec.model;
    r.preset = src.preset;
    r.checkpoint = src.checkpoint;
    r.int8_model = src.int8_path;
    r.quantized_now = src.quantized_now;

    phase("the engine on the test images", 0.3);
    const TestImages test = load_test_images(src.data_dir, spec.limit_test);
    const bool int8 = spec.precision == "int8";
    const torch::Tensor engine = int8 ? engine_logits(src.int8, test.pixels) : engine_logits(*src.model, test.pixels);
    r.engine_test_accuracy = accuracy(engine, test.labels);
    const Bar bar = bar_for(spec.precision, src.spec.model, engine);

    phase("writing and verifying " + spec.out, 0.5);
    Agreement a;
    if (spec.format == "bundle") {
        BundleContent content = bundle_content(src, spec.precision, r.engine_test_accuracy, test.pixels.size(0));
        r.path = spec.out;
        if (fs::is_directory(r.path)) throw ConfigError("export: " + r.path + " is a folder; give the bundle's file name");
        train::write_atomically(r.path, [&](const std::string& tmp) {
            write_file(tmp, encode_bundle(content));
            const LoadedBundle back = load_bundle(tmp);  // Sparq's own loader: versions and checksums
            a = compare(bundle_logits(back, test.pixels), engine, test.labels, bar);
            require(a, bar, "the bundle " + r.path);
        });
        r.files = {r.path};
        r.bytes = std::int64_t(fs::file_size(r.path));
    } else {
        const ModelMeta meta = onnx_meta(src, spec.precision, r.engine_test_accuracy, test.pixels.size(0));
        const std::string bytes = serialize(int8 ? int8_to_onnx(src.int8, meta) : fp32_to_onnx(*src.model, meta));
        r.opset = int(kOnnxOpset);
        r.ir_version = int(kOnnxIrVersion);
        if (spec.format == "onnx") {
            r.path = spec.out;
            if (fs::is_directory(r.path)) throw ConfigError("export: " + r.path + " is a folder; give the ONNX file's name");
            train::write_atomically(r.path, [&](const std::string& tmp) {
                write_file(tmp, bytes);
                a = check_onnx_file(tmp, src.spec.model, test, engine, bar);
            });
            r.files = {r.path};
            r.bytes = std::int64_t(fs::file_size(r.path));
        } else {
            write_triton(spec, src, bytes, test, engine, bar, r, a, say);
        }
    }
    r.path = fs::absolute(r.path).lexically_normal().string();
    for (auto& f : r.files) f = fs::absolute(f).lexically_normal().string();
    r.samples = a.samples;
    r.max_abs_diff = a.max_abs_diff;
    r.argmax_agreement = a.argmax_agreement;
    r.tolerance = a.tolerance;
    r.images_over_tolerance = a.over_tolerance;
    r.test_accuracy = a.accuracy;
    r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (store && src.run_id > 0) {
        store->add_artifact(src.run_id, "export-" + spec.format, r.path, r.bytes);
        store->add_event(src.run_id, "info", "export", to_json(r));
    } else if (src.run_id == 0) {
        say("not registered in a history: the export came from a checkpoint file, not a run");
    }
    return r;
}

}  // namespace exporter

}  // namespace sparq::engine

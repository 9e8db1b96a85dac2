#include "export/source.h"

#include <filesystem>

#include "data/fashion_mnist.h"
#include "quant/convert.h"
#include "quant/qformat.h"
#include "sparq/engine/errors.h"
#include "sparq/engine/quantize.h"
#include "sparq/profiler/run_store.h"
#include "train/checkpoint.h"

namespace sparq::engine::exporter {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json parse_or_empty(const std::string& text) {
    const json j = json::parse(text, nullptr, false);
    return j.is_object() ? j : json::object();
}

std::string latest_artifact(const std::vector<profiler::Artifact>& artifacts, const std::string& kind) {
    std::string path;
    for (const auto& a : artifacts)
        if (a.kind == kind) path = a.path;  // stored in order: the last is the newest
    return path;
}

json calibration_of(const json& qspec, const json& meta, const quant::QuantModel& q, std::int64_t quantize_run,
                    const std::string& path) {
    const int images = qspec.value("calibration_samples", QuantizeSpec{}.calibration_samples);
    return {{"method", meta.value("mode", qspec.value("mode", std::string("ptq")))},
            {"observer", meta.value("observer", qspec.value("observer", std::string("minmax")))},
            {"images", images},
            {"images_from", "the last " + std::to_string(images) + " images of the Fashion-MNIST training set"},
            {"input_scale", q.input.scale},
            {"input_zero", q.input.zero},
            {"quantize_run", quantize_run > 0 ? json(quantize_run) : json(nullptr)},
            {"int8_model", path}};
}

void use_int8(ExportSource& src, const std::string& path, const json& qspec, std::int64_t quantize_run) {
    json meta;
    src.int8 = quant::load_int8_model(path, &meta);
    if (src.int8.arch != src.spec.model)
        throw DataError(path + " holds a " + src.int8.arch + " INT8 model, but the run's float model is " + src.spec.model);
    src.int8_path = path;
    src.calibration = calibration_of(qspec, meta, src.int8, quantize_run, path);
    src.has_int8 = true;
}

json sparsity_json(const kernels::GatedShape& s, const kernels::GatePolicy& p) {
    const bool topk = p.mode == kernels::GateMode::TopK;
    return {{"in", s.in},
            {"out", s.out},
            {"blocks", s.blocks},
            {"groups", s.groups},
            {"mode", topk ? "topk" : "threshold"},
            {"k_groups", p.k_groups},
            {"k_blocks", p.k_blocks},
            {"threshold", p.threshold},
            {"kept_fraction", topk ? json(double(p.k_groups * p.k_blocks) / s.blocks) : json(nullptr)}};
}

}  // namespace

json sparsity_of(models::ClassifierImpl& model) {
    json layers = json::array();
    for (auto& g : model.gated_layers()) layers.push_back(sparsity_json(g->shape(), g->policy()));
    return layers;
}

json sparsity_of(const quant::QuantModel& q) {
    json layers = json::array();
    for (const auto& op : q.ops)
        if (op.kind == quant::OpKind::Gated) layers.push_back(sparsity_json(op.gshape, op.policy));
    return layers;
}

ExportSource resolve_source(const ExportSpec& spec, const std::string& db) {
    ExportSource s;
    if (spec.run_id > 0) {
        const profiler::RunReader reader(db);
        const auto rec = reader.run(spec.run_id);
        const std::string run = "run " + std::to_string(spec.run_id);
        if (!rec) throw ConfigError(run + " is not in the history " + db + " (sparq-cli history list shows the runs)");
        if (rec->status == "running") throw ConfigError(run + " is still running; export it once it has finished");
        if (rec->kind != "train" && rec->kind != "quantize")
            throw ConfigError(run + " is a " + rec->kind + " run, which keeps no model to export; export a train or "
                              "quantize run");
        s.run_id = spec.run_id;
        s.run_kind = rec->kind;
        s.run_name = rec->name;
        s.preset = rec->preset;
        s.summary = parse_or_empty(rec->summary_json);
        s.checkpoint = latest_artifact(reader.artifacts(spec.run_id), "checkpoint");
        if (s.checkpoint.empty()) s.checkpoint = s.summary.value("float_checkpoint", std::string());
        if (s.checkpoint.empty())
            throw ConfigError(run + " has no model checkpoint (its status is " + rec->status + ")");
        if (!fs::exists(s.checkpoint))
            throw DataError(run + "'s checkpoint " + s.checkpoint + " is missing (moved or deleted?)");
    } else {
        s.checkpoint = spec.checkpoint;
    }
    s.spec = train::checkpoint_spec(s.checkpoint);
    torch::manual_seed(s.spec.seed);
    s.model = models::make_model(s.spec);
    torch::optim::Adam unused(s.model->parameters());
    train::load_checkpoint(s.checkpoint, *s.model, unused);
    s.model->eval();
    // The float model's own preset: a quantize run records its job's default preset even
    // when it quantized a checkpoint of another.
    if (!s.spec.preset.empty()) s.preset = s.spec.preset;
    if (s.preset.empty()) s.preset = s.spec.name;
    s.data_dir = !spec.data_dir.empty() ? spec.data_dir : !s.spec.data_dir.empty() ? s.spec.data_dir : default_data_dir();
    return s;
}

void ensure_int8(ExportSource& src, const std::string& db, profiler::RunStore* store,
                 const std::function<void(const std::string&)>& say) {
    if (src.has_int8) return;
    const std::string run = "run " + std::to_string(src.run_id);
    if (src.run_id > 0) {
        const profiler::RunReader reader(db);
        const auto own = reader.artifacts(src.run_id);
        if (src.run_kind == "quantize") {
            const std::string path = latest_artifact(own, "int8-model");
            if (path.empty() || !fs::exists(path))
                throw DataError(run + " is a quantize run without its INT8 model file" + (path.empty() ? "" : " " + path));
            use_int8(src, path, parse_or_empty(reader.run(src.run_id)->config_json), src.run_id);
            return;
        }
        // The newest completed quantization of this checkpoint (a tuned QAT model, say).
        for (const auto& r : reader.list_runs()) {
            if (r.kind != "quantize" || r.status != "completed") continue;
            if (parse_or_empty(r.summary_json).value("float_checkpoint", std::string()) != src.checkpoint) continue;
            const std::string path = latest_artifact(reader.artifacts(r.id), "int8-model");
            if (path.empty() || !fs::exists(path)) continue;
            use_int8(src, path, parse_or_empty(r.config_json), r.id);
            say("using the INT8 model of quantize run " + std::to_string(r.id) + " (" + path + ")");
            return;
        }
        const std::string path = latest_artifact(own, "int8-model");
        if (!path.empty() && fs::exists(path)) {
            use_int8(src, path, json::object(), 0);
            say("using " + run + "'s INT8 model " + path);
            return;
        }
    }

    // Post-training quantization with the defaults of `sparq-cli quantize --mode ptq`.
    const QuantizeSpec defaults;
    const auto ds = data::load_fashion_mnist(src.data_dir);
    const std::int64_t n_train = ds->train.size();
    const std::int64_t n_cal = std::min<std::int64_t>(defaults.calibration_samples, n_train / 2);
    const auto cal = quant::calibrate(*src.model, ds->train.images.narrow(0, n_train - n_cal, n_cal),
                                      quant::parse_observer(defaults.observer), 256, defaults.percentile);
    src.int8 = quant::convert(*src.model, cal);
    src.model->eval();
    const fs::path dir = fs::path(src.checkpoint).parent_path();
    src.int8_path = ((dir.empty() ? fs::path(".") : dir) / "model.sqint8").string();
    const json qspec{{"mode", "ptq"}, {"observer", defaults.observer}, {"calibration_samples", n_cal}};
    const json meta{{"run_id", src.run_id},   {"preset", src.preset},     {"mode", "ptq"},
                    {"observer", defaults.observer}, {"float_checkpoint", src.checkpoint},
                    {"made_by", "export"}};
    const std::int64_t bytes = quant::save_int8_model(src.int8, meta, src.int8_path);
    src.calibration = calibration_of(qspec, meta, src.int8, 0, src.int8_path);
    src.has_int8 = true;
    src.quantized_now = true;
    if (store && src.run_id > 0) store->add_artifact(src.run_id, "int8-model", src.int8_path, bytes);
    say((src.run_id > 0 ? run : std::string("the checkpoint")) +
        " had no INT8 model: quantized it now with post-training quantization (" + defaults.observer + " observer, " +
        std::to_string(n_cal) + " calibration images from the end of the training set) into " + src.int8_path);
}

}  // namespace sparq::engine::exporter

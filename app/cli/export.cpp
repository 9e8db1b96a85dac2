// sparq-cli export (a run's model for deployment) and infer (a bundle on images).
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli.h"
#include "progress.h"

namespace sparq::cli {

namespace {

struct ExportOptions {
    SpecInput input;
    Common common;
};

int run_export(const ExportOptions& o) {
    const engine::ExportSpec defaults;  // (a named default: GCC 12 misreads a temporary's strings as uninitialized)
    const engine::ExportSpec spec = merge_spec(defaults, o.input, o.common);
    // A run is read from (and the export registered in) the history; a checkpoint needs none.
    const bool from_run = spec.run_id > 0;
    if (from_run && !std::filesystem::exists(db_or_default(o.common.db)))
        throw engine::ConfigError("there is no history at " + db_or_default(o.common.db) + " (pass --db PATH)");
    JobRunner runner(o.common, {}, from_run);
    LogSink sink([](const std::string& m) { std::fprintf(stderr, "sparq-cli: %s\n", m.c_str()); });
    const auto job = runner.engine().submit(spec, sink);
    const engine::JobEnd end = runner.wait(job);
    if (end.status == engine::JobStatus::Failed && end.error_kind == engine::JobError::Verification) {
        print_error("export failed verification, nothing was written: " + end.error);
        return 1;
    }
    if (end.status != engine::JobStatus::Completed) return exit_code(end, /*input_is_2=*/true);
    const engine::ExportResult r = job.get();
    if (o.common.json) {
        std::printf("%s\n", engine::to_json(r).c_str());
        return 0;
    }
    std::printf("exported %s (%s, %s, %s) to %s: %lld bytes",
                r.run_id > 0 ? ("run " + std::to_string(r.run_id)).c_str() : "checkpoint", r.preset.c_str(),
                r.architecture.c_str(), r.precision.c_str(), r.path.c_str(), (long long)r.bytes);
    if (r.opset > 0) std::printf(", ONNX opset %d, IR version %d", r.opset, r.ir_version);
    std::printf("\nverified on %lld test images: max abs diff %.3g, argmax agreement %.4f, test accuracy %.4f (engine %.4f)\n",
                (long long)r.samples, r.max_abs_diff, r.argmax_agreement, r.test_accuracy, r.engine_test_accuracy);
    return 0;
}

struct InferOptions {
    std::string bundle, input, labels;
    Common common;
    bool logits = false;  // --json: include every image's logits
};

int run_infer(const InferOptions& o) {
    const engine::BundleInference r = engine::infer_bundle(o.bundle, o.input, o.labels, threads_or(o.common, 2));
    const auto& names = engine::class_names();
    if (o.common.json) {
        nlohmann::json j{{"bundle", r.bundle},
                         {"architecture", r.architecture},
                         {"precision", r.precision},
                         {"images", r.images},
                         {"predictions", r.predictions},
                         {"manifest", nlohmann::json::parse(r.manifest_json)}};
        if (r.accuracy >= 0) j["accuracy"] = r.accuracy;
        if (o.logits) {
            nlohmann::json rows = nlohmann::json::array();
            for (std::int64_t i = 0; i < r.images; ++i)
                rows.push_back(std::vector<float>(r.logits.begin() + i * r.classes, r.logits.begin() + (i + 1) * r.classes));
            j["logits"] = rows;
        }
        std::printf("%s\n", j.dump().c_str());
        return 0;
    }
    for (std::int64_t i = 0; i < r.images; ++i) {
        const int c = r.predictions[std::size_t(i)];
        std::printf("%lld\t%d\t%s\n", (long long)i, c, c < int(names.size()) ? names[std::size_t(c)].c_str() : "?");
    }
    if (r.accuracy >= 0) std::printf("accuracy %.4f on %lld images\n", r.accuracy, (long long)r.images);
    return 0;
}

}  // namespace

void add_export(CLI::App& app, int& exit) {
    auto o = std::make_shared<ExportOptions>();
    auto* cmd = app.add_subcommand("export", "export a run's model: ONNX file, Sparq bundle or Triton model repository");
    // --device here is Triton's instance kind (cpu or gpu), as it always was; the export's own
    // work runs on the CPU.
    add_spec_flags(cmd, o->input, engine::spec_fields<engine::ExportSpec>(),
                   {{"run"}, {"checkpoint"}, {"format"}, {"precision"}, {"out"}, {"data_dir", "--data"}, {"limit_test"},
                    {"model_name"}, {"max_batch"}, {"preferred_batch"}, {"max_queue_delay_us"}, {"instances"},
                    {"triton_device", "--device"}},
                   /*config=*/false);
    cmd->get_option("--out")->required();
    add_common(cmd, o->common, kDb | kThreads | kJson | kQuiet);
    cmd->callback([o, &exit] { exit = run_export(*o); });
}

void add_infer(CLI::App& app, int& exit) {
    auto o = std::make_shared<InferOptions>();
    auto* cmd = app.add_subcommand("infer", "run a Sparq bundle on images");
    cmd->add_option("--bundle", o->bundle, "bundle file (sparq-cli export --format bundle)")->required();
    cmd->add_option("--input", o->input,
                    "IDX image file ([N,28,28] bytes, raw or .gz) or raw little-endian float32 pixels in [0,1], N x 784")
        ->required();
    cmd->add_option("--labels", o->labels, "IDX label file: also print the accuracy");
    cmd->add_flag("--logits", o->logits, "with --json: every image's logits too");
    add_common(cmd, o->common, kThreads | kJson);
    cmd->callback([o, &exit] { exit = run_infer(*o); });
}

}  // namespace sparq::cli

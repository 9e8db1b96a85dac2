// sparq-cli export and infer.
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "sparq/engine/errors.h"

namespace sparq::cli {

int run_export(const ExportOptions& o) {
    engine::ExportSpec spec = o.spec;
    std::unique_ptr<profiler::RunStore> store;
    if (spec.run_id > 0) {
        spec.db = db_or_default(spec.db);
        if (!std::filesystem::exists(spec.db))
            throw engine::ConfigError("there is no history at " + spec.db + " (pass --db PATH)");
        profiler::StoreOptions so;
        so.path = spec.db;
        store = profiler::RunStore::open(so);
    }
    engine::ExportResult r;
    try {
        r = engine::export_model(spec, store.get(),
                                 [](const std::string& m) { std::fprintf(stderr, "sparq-cli: %s\n", m.c_str()); });
    } catch (const engine::VerificationError& e) {
        print_error(std::string("export failed verification, nothing was written: ") + e.what());
        return 1;
    }
    store.reset();  // commits the artifact and the event
    if (o.json) {
        std::printf("%s\n", engine::to_json(r).c_str());
        return 0;
    }
    std::printf("exported %s (%s, %s, %s) to %s: %lld bytes", r.run_id > 0 ? ("run " + std::to_string(r.run_id)).c_str() : "checkpoint",
                r.preset.c_str(), r.architecture.c_str(), r.precision.c_str(), r.path.c_str(), (long long)r.bytes);
    if (r.opset > 0) std::printf(", ONNX opset %d, IR version %d", r.opset, r.ir_version);
    std::printf("\nverified on %lld test images: max abs diff %.3g, argmax agreement %.4f, test accuracy %.4f (engine %.4f)\n",
                (long long)r.samples, r.max_abs_diff, r.argmax_agreement, r.test_accuracy, r.engine_test_accuracy);
    return 0;
}

int run_infer(const InferOptions& o) {
    const engine::BundleInference r = engine::infer_bundle(o.bundle, o.input, o.labels, o.threads);
    const auto& names = engine::class_names();
    if (o.json) {
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

}  // namespace sparq::cli

#pragma once
// Where an export's model comes from: a run of the history (its checkpoint, its INT8 model)
// or a checkpoint file, loaded for evaluation; for INT8 exports the engine's INT8 model, found
// or made now with the default post-training settings.
#include <torch/types.h>

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "models/models.h"
#include "quant/qmodel.h"
#include "sparq/engine/export.h"

namespace sparq::profiler {
class RunStore;
}

namespace sparq::engine::exporter {

struct ExportSource {
    std::int64_t run_id = 0;            // 0 when exporting a bare checkpoint
    std::string run_kind, run_name, preset;
    nlohmann::json summary = nlohmann::json::object();  // the run's summary
    TrainSpec spec;                     // the float model's job
    std::string checkpoint;
    std::shared_ptr<models::ClassifierImpl> model;  // loaded, eval mode
    std::string data_dir;               // Fashion-MNIST folder for verification
    // INT8 (after ensure_int8):
    bool has_int8 = false;
    quant::QuantModel int8;
    std::string int8_path;
    nlohmann::json calibration = nullptr;  // how the INT8 model's ranges were chosen
    bool quantized_now = false;
};

/// Reads the run from the history at `db` (or takes spec.checkpoint) and loads the float
/// model. Throws ConfigError / DataError with what to do.
ExportSource resolve_source(const ExportSpec& spec, const std::string& db);

/// Gives `src` an INT8 model: the quantize run's own, the newest completed quantize run of
/// the same checkpoint in `db`, an "int8-model" artifact of the run, or post-training
/// quantization now with QuantizeSpec's defaults (saved as model.sqint8 beside the checkpoint
/// and registered with `store`). `say` receives what happened.
void ensure_int8(ExportSource& src, const std::string& db, profiler::RunStore* store,
                 const std::function<void(const std::string&)>& say);

/// The gate policy of every gated layer (in, out, blocks, groups, mode, k_groups, k_blocks,
/// threshold, kept_fraction), for metadata; an empty array for dense models.
nlohmann::json sparsity_of(models::ClassifierImpl& model);
nlohmann::json sparsity_of(const quant::QuantModel& q);

}  // namespace sparq::engine::exporter

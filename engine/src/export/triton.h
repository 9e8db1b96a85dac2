#pragma once
// Triton Inference Server model repositories: MODEL/config.pbtxt + MODEL/1/model.onnx
// (+ MODEL/labels.txt for Triton's classification extension). The config names the ONNX
// Runtime backend, the graph's input and output with their shapes after the batch dimension,
// and a dynamic_batching block.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sparq/engine/export.h"

namespace sparq::engine::exporter {

/// Fills unset settings from the run's serving benchmark ("serving" in its summary) or the
/// defaults (preferred batch sizes {16, 64} within max_batch_size, 500 us queue delay);
/// returns a line saying where they came from.
std::string resolve_triton_settings(TritonSettings& s, const nlohmann::json& run_summary);

/// config.pbtxt for a model whose input has `input_dims` after the batch dimension and whose
/// output has `classes` logits. `comment` goes on the first lines as # comments.
std::string triton_config(const std::string& model_name, const std::vector<std::int64_t>& input_dims,
                          std::int64_t classes, const TritonSettings& s, const std::string& comment);

/// Throws ConfigError when a setting is out of range or the model name is not a plain
/// folder name.
void validate(const TritonSettings& s);

}  // namespace sparq::engine::exporter

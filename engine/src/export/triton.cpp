#include "export/triton.h"

#include <algorithm>
#include <sstream>

#include "export/onnx_builder.h"
#include "sparq/engine/errors.h"

namespace sparq::engine::exporter {

namespace {

std::string dims_text(const std::vector<std::int64_t>& dims) {
    std::string s = "[ ";
    for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
    return s + " ]";
}

}  // namespace

void validate(const TritonSettings& s) {
    auto bad = [](const std::string& what) { throw ConfigError("triton: " + what); };
    if (!s.model_name.empty()) {
        if (s.model_name == "." || s.model_name == ".." || s.model_name[0] == '.' ||
            s.model_name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") !=
                std::string::npos)
            bad("model name '" + s.model_name + "' must be a folder name of letters, digits, '_', '-' and '.'");
    }
    if (s.max_batch_size < 1 || s.max_batch_size > 65536) bad("max batch size must be in [1, 65536]");
    for (const int b : s.preferred_batch_sizes)
        if (b < 1 || b > s.max_batch_size)
            bad("preferred batch size " + std::to_string(b) + " must be in [1, max batch size " +
                std::to_string(s.max_batch_size) + "]");
    if (s.max_queue_delay_us > 10'000'000) bad("max queue delay must be at most 10 s (10000000 us)");
    if (s.instances < 1 || s.instances > 64) bad("instances must be in [1, 64]");
    if (s.device != "cpu" && s.device != "gpu") bad("device must be cpu or gpu");
}

std::string resolve_triton_settings(TritonSettings& s, const nlohmann::json& run_summary) {
    std::string sizes_from = "the export's settings", delay_from = sizes_from;
    const nlohmann::json serving = run_summary.is_object() && run_summary.contains("serving") &&
                                           run_summary["serving"].is_object()
                                       ? run_summary["serving"]
                                       : nlohmann::json::object();
    if (s.preferred_batch_sizes.empty() && serving.contains("preferred_batch_sizes") &&
        serving["preferred_batch_sizes"].is_array()) {
        for (const auto& b : serving["preferred_batch_sizes"])
            if (b.is_number_integer() && b.get<int>() >= 1 && b.get<int>() <= s.max_batch_size)
                s.preferred_batch_sizes.push_back(b.get<int>());
        sizes_from = "the run's serving benchmark";
    }
    if (s.max_queue_delay_us < 0 && serving.contains("max_queue_delay_us") &&
        serving["max_queue_delay_us"].is_number_integer()) {
        s.max_queue_delay_us = std::max(0, serving["max_queue_delay_us"].get<int>());
        delay_from = "the run's serving benchmark";
    }
    if (s.preferred_batch_sizes.empty()) {
        for (const int b : triton_default_preferred_batch_sizes())
            if (b <= s.max_batch_size) s.preferred_batch_sizes.push_back(b);
        if (s.preferred_batch_sizes.empty()) s.preferred_batch_sizes.push_back(s.max_batch_size);
        sizes_from = "defaults";
    }
    if (s.max_queue_delay_us < 0) {
        s.max_queue_delay_us = triton_default_max_queue_delay_us();
        delay_from = "defaults";
    }
    std::sort(s.preferred_batch_sizes.begin(), s.preferred_batch_sizes.end());
    s.preferred_batch_sizes.erase(std::unique(s.preferred_batch_sizes.begin(), s.preferred_batch_sizes.end()),
                                  s.preferred_batch_sizes.end());
    std::string sizes;
    for (const int b : s.preferred_batch_sizes) sizes += (sizes.empty() ? "" : ", ") + std::to_string(b);
    return "dynamic batching: preferred batch sizes " + sizes + " (" + sizes_from + "), max queue delay " +
           std::to_string(s.max_queue_delay_us) + " us (" + delay_from + "), max batch size " +
           std::to_string(s.max_batch_size);
}

std::string triton_config(const std::string& model_name, const std::vector<std::int64_t>& input_dims,
                          std::int64_t classes, const TritonSettings& s, const std::string& comment) {
    std::ostringstream o;
    std::istringstream lines(comment);
    for (std::string line; std::getline(lines, line);) o << "# " << line << "\n";
    std::vector<std::int64_t> preferred(s.preferred_batch_sizes.begin(), s.preferred_batch_sizes.end());
    o << "name: \"" << model_name << "\"\n"
      << "platform: \"onnxruntime_onnx\"\n"
      << "max_batch_size: " << s.max_batch_size << "\n"
      << "input [\n  {\n    name: \"" << kInputName << "\"\n    data_type: TYPE_FP32\n    dims: "
      << dims_text(input_dims) << "\n  }\n]\n"
      << "output [\n  {\n    name: \"" << kOutputName << "\"\n    data_type: TYPE_FP32\n    dims: "
      << dims_text({classes}) << "\n    label_filename: \"labels.txt\"\n  }\n]\n"
      << "dynamic_batching {\n  preferred_batch_size: " << dims_text(preferred)
      << "\n  max_queue_delay_microseconds: " << s.max_queue_delay_us << "\n}\n"
      << "instance_group [\n  {\n    count: " << s.instances << "\n    kind: "
      << (s.device == "gpu" ? "KIND_GPU" : "KIND_CPU") << "\n  }\n]\n";
    return o.str();
}

}  // namespace sparq::engine::exporter

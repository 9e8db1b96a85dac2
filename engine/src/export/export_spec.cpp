// ExportSpec's fields (one table: flags, JSON, stored event), its validation, and the names
// and defaults an export gives what it writes.
#include "export/triton.h"
#include "spec/field_table.h"
#include "sparq/engine/export.h"

namespace sparq::engine {

std::vector<int> triton_default_preferred_batch_sizes() { return {16, 64}; }
int triton_default_max_queue_delay_us() { return 500; }

std::string export_stem(const std::string& arch, const std::string& precision, std::int64_t run_id) {
    std::string name = arch.empty() ? std::string("model") : arch;
    for (char& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    return "sparq_" + name + "_" + precision + (run_id > 0 ? "_run" + std::to_string(run_id) : "");
}

namespace {

using spec::choice_field;
using spec::int_field;
using spec::text_field;

const spec::FieldTable<ExportSpec>& export_table() {
#define F(info, member) SPARQ_FIELD(ExportSpec, info, member)
    static const spec::FieldTable<ExportSpec> t("export", "export", "export", {
        F(int_field("run", 0, 1e15, "run id whose model to export (a train or quantize run)"), run_id),
        F(text_field("checkpoint", "instead of a run: a training checkpoint file"), checkpoint),
        F(choice_field("format", {"onnx", "bundle", "triton"}, "onnx, bundle or triton", true), format),
        F(choice_field("precision", {"fp32", "int8"}, "fp32 or int8 (quantized first when the run has no INT8 model)", true), precision),
        F(text_field("out", "file to write (onnx, bundle) or Triton repository folder", true), out),
        F(text_field("data_dir", "folder of Fashion-MNIST IDX files (verification)"), data_dir),
        F(int_field("limit_test", 0, 1e9, "verify on the first N test images (0 = all)"), limit_test),
        F(int_field("threads", 1, 256, "CPU threads"), threads),
        F(text_field("model_name", "triton: model folder name (empty: sparq_<arch>_<precision>_run<id>)"), triton.model_name),
        F(int_field("max_batch", 1, 65536, "triton: max_batch_size"), triton.max_batch_size),
        F(spec::int_list_field("preferred_batch", 1, 65536, "triton: preferred batch sizes (empty: the run's serving benchmark's, else 16,64)"), triton.preferred_batch_sizes),
        F(int_field("max_queue_delay_us", -1, 10000000, "triton: max queue delay in microseconds (-1: the run's serving benchmark's, else 500)"), triton.max_queue_delay_us),
        F(int_field("instances", 1, 64, "triton: model instances"), triton.instances),
        F(choice_field("triton_device", {"cpu", "gpu"}, "triton: instance kind, cpu or gpu"), triton.device),
        F(spec::device_field(), device),
    });
#undef F
    return t;
}

}  // namespace

SPARQ_DEFINE_SPEC_FIELDS(ExportSpec, export_table)

void validate(const ExportSpec& s) {
    export_table().check(s);
    if ((s.run_id > 0) == !s.checkpoint.empty())
        throw ConfigError("export needs a run id (--run ID) or a checkpoint, not both and not neither");
    if (s.out.empty())
        throw ConfigError(s.format == "triton" ? "export: --out names the Triton model repository folder"
                                               : "export: --out names the file to write");
    if (s.format == "triton") exporter::validate(s.triton);
}

}  // namespace sparq::engine

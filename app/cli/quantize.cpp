// sparq-cli quantize: a float model to INT8 (PTQ or QAT), side by side with the float model.
#include <unistd.h>

#include <cstdio>

#include "cli.h"
#include "print.h"
#include "progress.h"

namespace sparq::cli {

namespace {

struct QuantizeOptions {
    SpecInput input;
    Common common;
};

int run_quantize(const QuantizeOptions& o) {
    const engine::QuantizeSpec spec = merge_spec(engine::QuantizeSpec{}, o.input, o.common);
    JobRunner runner(o.common);
    ProgressSink sink(isatty(STDERR_FILENO) == 1 && !o.common.quiet, !o.common.quiet);
    const auto job = runner.engine().submit(spec, sink);
    const engine::JobEnd end = runner.wait(job);
    engine::QuantizeResult r;
    if (const auto* done = job.result<engine::QuantizeResult>()) r = *done;
    r.run_id = end.run_id;
    if (end.status == engine::JobStatus::Failed) {
        r.status = "failed";
        r.error = end.error;
    } else if (end.status == engine::JobStatus::Cancelled) {
        r.status = "cancelled";
    }
    if (o.common.json) {
        std::printf("%s\n", engine::to_json(r).c_str());
    } else if (r.status == "completed") {
        std::printf("run %lld: %s %s (%s observer) on %s, INT8 kernels: %s\n", (long long)r.run_id, r.preset.c_str(),
                    r.mode.c_str(), r.observer.c_str(), end.device.c_str(), r.kernel.c_str());
        print_side_by_side(r);
        std::printf("PTQ INT8 accuracy %.4f (retention %.4f)\n", r.ptq_int8_accuracy, r.ptq_accuracy_retention);
        std::printf("per-layer relative error (validation batch):\n");
        for (const auto& l : r.layers)
            std::printf("  %-12s %-7s %.4f%s\n", l.name.c_str(), l.kind.c_str(), l.error,
                        l.error > spec.error_alert ? "  ALERT" : "");
        std::printf("INT8 model: %s\nhistory: %s\n", r.int8_model.c_str(), runner.db().c_str());
    }
    std::fflush(stdout);
    return exit_code(end);
}

}  // namespace

void print_side_by_side(const engine::QuantizeResult& r) {
    std::printf("%-22s %12s %12s %9s\n", "", "FP32", "INT8", "ratio");
    if (r.fp32_accuracy > 0)
        std::printf("%-22s %12.4f %12.4f %9.4f\n", "test accuracy", r.fp32_accuracy, r.int8_accuracy, r.accuracy_retention);
    std::printf("%-22s %12.4f %12.4f %8.2fx\n", "latency batch 1 (ms)", r.fp32_latency_ms_b1, r.int8_latency_ms_b1, r.speedup_b1);
    std::printf("%-22s %12.4f %12.4f %8.2fx\n", "latency batch 64 (ms)", r.fp32_latency_ms_b64, r.int8_latency_ms_b64, r.speedup_b64);
    if (r.int8_size_bytes > 0)
        std::printf("%-22s %12lld %12lld %8.2fx\n", "size on disk (bytes)", (long long)r.fp32_size_bytes,
                    (long long)r.int8_size_bytes, r.size_ratio);
}

void add_quantize(CLI::App& app, int& exit) {
    auto o = std::make_shared<QuantizeOptions>();
    auto* cmd = app.add_subcommand("quantize", "quantize a model to INT8 (PTQ or QAT) and compare it with FP32");
    add_spec_flags(cmd, o->input, engine::spec_fields<engine::QuantizeSpec>(),
                   {{"preset"}, {"checkpoint"}, {"mode"}, {"observer"}, {"percentile"},
                    {"calibration_samples", "--calibration"}, {"qat_epochs"}, {"freeze_observers_after", "--freeze-after"},
                    {"qat_lr"}, {"error_alert", "--alert"}, {"train_epochs", "--epochs"}, {"limit_train"},
                    {"limit_test"}, {"data_dir", "--data"}, {"output"}, {"bench_seconds", "--seconds"}, {"seed"}});
    add_common(cmd, o->common, kJobFlags);
    cmd->callback([o, &exit] { exit = run_quantize(*o); });
}

}  // namespace sparq::cli

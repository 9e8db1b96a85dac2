// sparq-cli quantize and bench int8.
#include <unistd.h>

#include <cstdio>
#include <mutex>

#include "commands.h"
#include "progress.h"

namespace sparq::cli {

namespace {

// Keeps the quantization summary the job reports before it finishes.
class QuantizeSink : public ProgressSink {
public:
    using ProgressSink::ProgressSink;
    void on_quantized(const engine::QuantizeResult& r) override {
        std::lock_guard lock(mutex_);
        result_ = r;
    }
    engine::QuantizeResult result() {
        std::lock_guard lock(mutex_);
        return result_;
    }

private:
    std::mutex mutex_;
    engine::QuantizeResult result_;
};

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

}  // namespace

int run_quantize(const QuantizeOptions& o) {
    JobRunner runner(o.db, o.workspace);
    QuantizeSink sink(isatty(STDERR_FILENO) == 1 && !o.quiet, !o.quiet);
    const engine::TrainResult t = runner.wait(runner.engine().submit_quantize(o.spec, sink));
    engine::QuantizeResult r = sink.result();
    r.run_id = t.run_id;
    if (t.status == engine::JobStatus::Failed) {
        r.status = "failed";
        r.error = t.error;
    } else if (t.status == engine::JobStatus::Cancelled) {
        r.status = "cancelled";
    }
    if (o.json) {
        std::printf("%s\n", engine::to_json(r).c_str());
    } else if (r.status == "completed") {
        std::printf("run %lld: %s %s (%s observer), INT8 kernels: %s\n", (long long)r.run_id, r.preset.c_str(),
                    r.mode.c_str(), r.observer.c_str(), r.kernel.c_str());
        print_side_by_side(r);
        std::printf("PTQ INT8 accuracy %.4f (retention %.4f)\n", r.ptq_int8_accuracy, r.ptq_accuracy_retention);
        std::printf("per-layer relative error (validation batch):\n");
        for (const auto& l : r.layers)
            std::printf("  %-12s %-7s %.4f%s\n", l.name.c_str(), l.kind.c_str(), l.error,
                        l.error > o.spec.error_alert ? "  ALERT" : "");
        std::printf("INT8 model: %s\nhistory: %s\n", r.int8_model.c_str(), runner.db().c_str());
    }
    std::fflush(stdout);
    if (t.status == engine::JobStatus::Failed) {
        print_error(t.error);
        return 1;
    }
    return t.status == engine::JobStatus::Cancelled ? 130 : 0;
}

int run_bench_int8(const BenchInt8Options& o) {
    const engine::QuantizeResult r = engine::bench_int8(o.options);
    if (o.json) {
        std::printf("%s\n", engine::to_json(r).c_str());
    } else {
        std::printf("%s (%s), random weights, INT8 kernels: %s\n", r.preset.c_str(), r.arch.c_str(), r.kernel.c_str());
        print_side_by_side(r);
    }
    return 0;
}

}  // namespace sparq::cli

#include "profile/profileseries.h"

#include <iterator>

#include <QCoreApplication>

#include "profile/profiletimeline.h"

namespace sparq::ui {
namespace {

QString tr(const char* text) { return QCoreApplication::translate("sparq::ui::ProfileSeries", text); }

// A family of series on one chart: a name with at most one '*' (any non-empty text, the
// legend name when `label` has "%1").
struct Family {
    const char* pattern;
    ProfileChart chart;
    bool right;
    const char* label;
};

constexpr Family kFamilies[] = {
    {"sparsity/gated*/active_fraction", ProfileChart::ActivationRate, false, "gated%1"},
    {"sparsity/relu*/zero_fraction", ProfileChart::ReluSparsity, false, "relu%1"},
    {"quant/*/error", ProfileChart::QuantError, false, "%1"},
    {"amp/loss_scale", ProfileChart::LossScale, false, "loss scale"},
    {"train/loss", ProfileChart::Loss, false, "train loss"},
    {"qat/loss", ProfileChart::Loss, false, "QAT loss"},
    {"distill/ce_loss", ProfileChart::Loss, false, "student CE loss"},
    {"continual/*/loss", ProfileChart::Loss, false, "%1 loss"},
    {"gpu/busy", ProfileChart::GpuActivity, false, "busy"},
    {"gpu/sm_efficiency", ProfileChart::GpuActivity, false, "SM efficiency"},
    {"gpu/occupancy", ProfileChart::GpuActivity, false, "occupancy"},
    {"gpu/memcpy_gbps", ProfileChart::GpuActivity, true, "memcpy GB/s"},
    {"nvml/gpu_util", ProfileChart::GpuNvml, false, "utilization"},
    {"nvml/mem_used_mb", ProfileChart::GpuNvml, true, "memory used (MB)"},
    {"cpu/util", ProfileChart::CpuProcess, false, "process"},
    {"cpu/core*/util", ProfileChart::CpuCores, false, "core %1"},
    {"perf/samples_per_s", ProfileChart::Throughput, false, "samples/s"},
};

// The text '*' stands for in `name`, or nullopt when `name` does not match.
std::optional<std::string> match(const std::string& pattern, const std::string& name) {
    const auto star = pattern.find('*');
    if (star == std::string::npos) return pattern == name ? std::optional<std::string>("") : std::nullopt;
    const std::size_t suffix = pattern.size() - star - 1;
    if (name.size() <= star + suffix) return std::nullopt;
    if (name.compare(0, star, pattern, 0, star) != 0) return std::nullopt;
    if (name.compare(name.size() - suffix, suffix, pattern, star + 1, suffix) != 0) return std::nullopt;
    return name.substr(star, name.size() - star - suffix);
}

// About two hours of a 10 Hz sampler before a chart line is halved; the operators' counters
// (4 a second) are kept for longer, since a range's table reads them exactly.
constexpr std::size_t kChartPoints = 1 << 16;
constexpr std::size_t kCounterPoints = 1 << 16;
constexpr std::size_t kStagePoints = 1 << 12;

}  // namespace

ProfileChartInfo profileChartInfo(ProfileChart chart) {
    switch (chart) {
    case ProfileChart::ActivationRate: return {tr("Activation rate (gated layers: share of blocks kept)"), tr("fraction"), {}, false, false};
    case ProfileChart::ReluSparsity: return {tr("ReLU sparsity (share of zeros)"), tr("fraction"), {}, false, false};
    case ProfileChart::QuantError: return {tr("Quantization error (relative, per layer)"), tr("error"), {}, false, false};
    case ProfileChart::LossScale: return {tr("Loss scale (mixed precision)"), tr("scale"), {}, true, false};
    case ProfileChart::Loss: return {tr("Loss"), tr("loss"), {}, false, false};
    case ProfileChart::GpuActivity: return {tr("GPU activity (CUPTI): busy, SM efficiency, occupancy"), tr("fraction"), tr("GB/s"), false, true};
    case ProfileChart::GpuNvml: return {tr("GPU (NVML): utilization and memory"), tr("utilization"), tr("MB"), false, true};
    case ProfileChart::CpuProcess: return {tr("CPU utilization of the process"), tr("cores"), {}, false, true};
    case ProfileChart::CpuCores: return {tr("CPU utilization per core (any process)"), tr("busy share"), {}, false, true};
    case ProfileChart::Throughput: return {tr("Throughput"), tr("samples/s"), {}, false, true};
    case ProfileChart::Count: break;
    }
    return {};
}

std::optional<ProfileLine> profileLineOf(const std::string& series) {
    for (const Family& f : kFamilies) {
        const auto star = match(f.pattern, series);
        if (!star) continue;
        ProfileLine line;
        line.chart = f.chart;
        line.right = f.right;
        const QString label = tr(f.label);
        line.label = label.contains(QLatin1String("%1")) ? label.arg(QString::fromStdString(*star)) : label;
        return line;
    }
    return std::nullopt;
}

std::size_t profileCapacity(const std::string& series) {
    std::string op;
    bool self = false;
    if (parseOpSeries(series, op, self)) return kCounterPoints;
    if (isStageSeries(series)) return kStagePoints;
    return profileLineOf(series) ? kChartPoints : 0;
}

QString profileEmptyText(ProfileChart chart, const ProfilerStatus& status, bool live) {
    const bool gpuChart = chart == ProfileChart::GpuActivity || chart == ProfileChart::GpuNvml;
    if (gpuChart) {
        if (!status.known())
            return live ? tr("Waiting for the profiler's status line…")
                        : tr("No GPU samples in this run (it has no profiler status line)");
        const QString gpu = tr("Profiler: GPU %1").arg(status.gpu);
        if (status.gpu.startsWith(QLatin1String("none"))) return tr("No GPU in this job — CPU collectors only\n%1").arg(gpu);
        if (status.noGpu()) return tr("GPU profiling was off for this job\n%1").arg(gpu);
        const QString off = chart == ProfileChart::GpuActivity ? status.cuptiOff() : status.nvmlOff();
        if (!off.isEmpty())
            return (chart == ProfileChart::GpuActivity ? tr("CUPTI did not run: %1") : tr("NVML did not run: %1")).arg(off);
        return live ? tr("No GPU samples yet") : tr("No GPU samples in this run");
    }
    switch (chart) {
    case ProfileChart::ActivationRate: return tr("No activation-rate samples: only gated models (model gated-mlp) publish them");
    case ProfileChart::ReluSparsity: return tr("No ReLU sparsity samples: training jobs publish them for models with ReLU layers");
    case ProfileChart::QuantError: return tr("No quantization error: quantization jobs (PTQ, QAT) publish it");
    case ProfileChart::LossScale: return tr("No loss scale: loss scaling is off (fp32, or bf16 without loss_scaling)");
    case ProfileChart::CpuProcess:
    case ProfileChart::CpuCores:
        if (!live && !status.known()) return tr("No CPU samples: this run was recorded without the profiler");
        break;
    default: break;
    }
    return live ? tr("No samples yet") : tr("No samples in this run");
}

}  // namespace sparq::ui

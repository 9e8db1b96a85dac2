#pragma once
// The series the Profile view draws, chart by chart: compression (activation rate, ReLU
// sparsity, quantization error, loss scale, loss) above hardware (GPU activity from CUPTI,
// NVML, process and per-core CPU, throughput), and what each says when it has no data. Also
// which series the view keeps at all (chart lines, the operators' cumulative counters, stage
// series) and how many points of each. No widgets: the history reader uses it on a worker.
#include <cstddef>
#include <optional>
#include <string>

#include <QString>

namespace sparq::ui {

struct ProfilerStatus;

enum class ProfileChart {
    ActivationRate,
    ReluSparsity,
    QuantError,
    LossScale,
    Loss,
    GpuActivity,
    GpuNvml,
    CpuProcess,
    CpuCores,
    Throughput,
    Count
};
inline constexpr int kProfileChartCount = int(ProfileChart::Count);

struct ProfileChartInfo {
    QString title;    // "Activation rate (gated layers)"
    QString yLabel;   // left axis
    QString y2Label;  // right axis; empty when it has none
    bool logY = false;
    bool hardware = false;  // below the compression charts
};
ProfileChartInfo profileChartInfo(ProfileChart chart);

/// Where a series goes: its chart, its axis and its legend name ("gated0", "core 3").
struct ProfileLine {
    ProfileChart chart = ProfileChart::Loss;
    bool right = false;
    QString label;
};
std::optional<ProfileLine> profileLineOf(const std::string& series);

/// Points of a series the view keeps (halving past it), 0 for a series it does not watch.
std::size_t profileCapacity(const std::string& series);

/// What an empty chart says: why there are no samples, from the profiler's status line for
/// the GPU charts ("No GPU in this job — CPU collectors only" and the status's words).
/// `live`: the run is still going, so some series may only be late.
QString profileEmptyText(ProfileChart chart, const ProfilerStatus& status, bool live);

}  // namespace sparq::ui

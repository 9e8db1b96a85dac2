#pragma once
// Reduced-precision training: which dtype autocast uses, and a scope that turns it on.
// Master weights, optimizer state and the loss stay FP32; autocast runs the matrix products
// (and the ops LibTorch's autocast lists) in the reduced type.
#include <ATen/autocast_mode.h>
#include <ATen/ATen.h>

#include <string>

namespace sparq::engine::train {

/// "fp32" | "bf16" | "fp16" -> the autocast dtype (Float for fp32).
inline at::ScalarType precision_dtype(const std::string& precision) {
    if (precision == "bf16") return at::kBFloat16;
    if (precision == "fp16") return at::kHalf;
    return at::kFloat;
}

/// Autocast on the CPU for one forward pass (a no-op for FP32). Autocast state is per thread,
/// and every job runs on its own thread.
class AutocastScope {
public:
    explicit AutocastScope(at::ScalarType dtype) : on_(dtype != at::kFloat) {
        if (!on_) return;
        was_enabled_ = at::autocast::is_cpu_enabled();
        was_dtype_ = at::autocast::get_autocast_cpu_dtype();
        at::autocast::set_autocast_cpu_dtype(dtype);
        at::autocast::set_cpu_enabled(true);
    }
    ~AutocastScope() {
        if (!on_) return;
        at::autocast::set_cpu_enabled(was_enabled_);
        at::autocast::set_autocast_cpu_dtype(was_dtype_);
        at::autocast::clear_cache();
    }
    AutocastScope(const AutocastScope&) = delete;
    AutocastScope& operator=(const AutocastScope&) = delete;

private:
    bool on_;
    bool was_enabled_ = false;
    at::ScalarType was_dtype_ = at::kBFloat16;
};

}  // namespace sparq::engine::train

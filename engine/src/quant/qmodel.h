#pragma once
// An INT8 model: a list of integer ops run by Sparq's own kernels, no LibTorch on the
// inference path. Activations flow as unsigned 7-bit codes (kernels/cpu/int8_kernels.h),
// images in NHWC order; the last op writes float logits.
#include <cstdint>
#include <string>
#include <vector>

#include "cpu/gated_kernels.h"
#include "cpu/int8_kernels.h"

namespace sparq::engine::quant {

struct QParams {
    float scale = 1.f;
    std::int32_t zero = 0;
};

enum class OpKind : std::int32_t { Linear = 0, Conv = 1, MaxPool = 2, Gated = 3 };
const char* to_string(OpKind k);

struct QOp {
    OpKind kind = OpKind::Linear;
    std::string name;
    kernels::Int8Matrix w;   // Linear: [out][in]; Conv: [cout][ky][kx][cin]; Gated: experts
    QParams in, out;         // activation codes in and out (out unused when float_out)
    bool relu = true;
    bool float_out = false;  // the last op: float logits
    std::int32_t channels = 0;  // Conv, MaxPool: input channels
    std::int32_t side = 0;      // Conv, MaxPool: input height = width
    // Gated: the gate stays in float (it is small and decides which blocks run)
    kernels::GatedShape gshape{};
    kernels::GatePolicy policy{};
    std::vector<float> gate_c, gate_cb, gate_f, gate_fb;

    std::int64_t in_features() const;
    std::int64_t out_features() const;
};

struct QuantModel {
    std::string arch;        // mlp | cnn | gated-mlp
    std::int32_t inputs = 784;
    std::int32_t classes = 10;
    QParams input;           // codes of the (normalised) input
    std::vector<QOp> ops;

    /// Logits [n][classes] for normalised inputs x [n][inputs]. When `trace` is given, it
    /// receives each op's dequantized output ([op][n * out_features], NHWC for images).
    void forward(const float* x, std::int64_t n, float* logits,
                 std::vector<std::vector<float>>* trace = nullptr) const;
};

/// Checks op chaining (features, kinds, shapes); throws FormatError with `what` in the message.
void validate(const QuantModel& m, const std::string& what);

}  // namespace sparq::engine::quant

#pragma once
// CUDA kernels of the gated sparse layer (see gated_layout.h). Plain C++ declarations, no
// CUDA headers: callable from host-only translation units.
//
// gated_route_cuda: the gate, one CUDA block per input (logits, softmaxes, block selection by
// the same rule as the CPU kernels: ties go to the lower index).
// gated_apply_cuda: the kept blocks' products only; inactive (input, block) pairs cost no
// arithmetic and no weight reads.
// Results match gated_route_reference / gated_apply_reference: identical block selection
// and outputs within kGatedTolerance (relative).
//
// Errors (invalid shapes, CUDA failures) are thrown as std::runtime_error carrying the CUDA
// error string.
#include <cstdint>

#include "gated_layout.h"

namespace sparq::engine::kernels::cuda {

/// Routes `batch` inputs. All pointers (weights, x, routing arrays) are device pointers;
/// routing.width must be at least p.max_active(s). `stream` is a cudaStream_t or nullptr
/// (the default stream). Asynchronous with respect to the host.
void gated_route_cuda(const GatedShape& s, const GatePolicy& p, const GatedWeights& device_weights,
                      const float* x_device, std::int32_t batch, Routing routing_device,
                      void* stream = nullptr);

/// y = the gated layer's output for a given routing; y[batch][out] is zeroed first, then each
/// kept block's slice gets c * (W_e x + b_e), ReLU'd if asked. All pointers are device
/// pointers. Asynchronous with respect to the host.
void gated_apply_cuda(const GatedShape& s, const GatedWeights& device_weights,
                      const float* x_device, std::int32_t batch, const Routing& routing_device,
                      bool relu, float* y_device, void* stream = nullptr);

/// Host convenience: copies the host weights and inputs to the current device, routes and
/// applies there, and copies the routing (routing_host.block/.coef, [batch][width]) and
/// y_host[batch][out] back. Synchronous; allocates and frees its device buffers per call.
void gated_forward_cuda_host(const GatedShape& s, const GatePolicy& p,
                             const GatedWeights& host_weights, const float* x_host,
                             std::int32_t batch, Routing routing_host, bool relu, float* y_host);

}  // namespace sparq::engine::kernels::cuda

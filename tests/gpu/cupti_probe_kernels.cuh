#pragma once
// Two trivially named kernels for the CUPTI test, each behind a plain function that launches it
// once on the default stream (no CUDA types in this header).
namespace sparq::test {

/// data[i] += 1 for i < n: launches sparq_probe_add_one.
void launch_probe_add_one(float* data, int n);
/// data[i] *= factor for i < n: launches sparq_probe_scale.
void launch_probe_scale(float* data, int n, float factor);

}  // namespace sparq::test

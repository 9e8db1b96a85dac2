#include "cupti_probe_kernels.cuh"

namespace sparq::test {

__global__ void sparq_probe_add_one(float* data, int n) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) data[i] += 1.0f;
}

__global__ void sparq_probe_scale(float* data, int n, float factor) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) data[i] *= factor;
}

void launch_probe_add_one(float* data, int n) { sparq_probe_add_one<<<(n + 255) / 256, 256>>>(data, n); }

void launch_probe_scale(float* data, int n, float factor) {
    sparq_probe_scale<<<(n + 127) / 128, 128>>>(data, n, factor);
}

}  // namespace sparq::test

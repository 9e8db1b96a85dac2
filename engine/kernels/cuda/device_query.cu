#include <cuda_runtime.h>

#include "device_query.cuh"

namespace sparq::engine::kernels::cuda {

DeviceInfo query_device(int index) {
    DeviceInfo info;
    int count = 0;
    const cudaError_t rc = cudaGetDeviceCount(&count);
    if (rc != cudaSuccess) {
        info.error = cudaGetErrorString(rc);
        return info;
    }
    if (index >= count) {
        info.error = "no CUDA device " + std::to_string(index);
        return info;
    }
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, index) != cudaSuccess) return info;
    info.present = true;
    info.name = prop.name;
    info.sm_count = prop.multiProcessorCount;
    info.major = prop.major;
    info.minor = prop.minor;
    info.memory_bytes = prop.totalGlobalMem;
    return info;
}

}  // namespace sparq::engine::kernels::cuda

#include "device.h"

#include <torch/cuda.h>

#ifdef SPARQ_HAVE_CUDA_KERNELS
#include "cuda/device_query.cuh"
#endif

namespace sparq::engine::kernels {

std::string describe_device() {
#ifdef SPARQ_HAVE_CUDA_KERNELS
    const cuda::DeviceInfo info = cuda::query_device(0);
    if (torch::cuda::is_available() && info.present) return "cuda:0 (" + info.name + ")";
    if (info.present) return "cpu (" + info.name + " present, but this LibTorch has no CUDA)";
#endif
    return "cpu";
}

}  // namespace sparq::engine::kernels

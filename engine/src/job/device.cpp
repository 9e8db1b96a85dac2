#include "sparq/engine/device.h"

#include <ATen/Context.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include "sparq/engine/errors.h"

#ifdef SPARQ_HAVE_CUDA_KERNELS
#include "cuda/device_query.cuh"
#endif

namespace sparq::engine {

namespace {

// The GPU's name from the CUDA runtime (our kernels' view), or "" without one.
std::string gpu_name(int index) {
#ifdef SPARQ_HAVE_CUDA_KERNELS
    const kernels::cuda::DeviceInfo info = kernels::cuda::query_device(index);
    if (info.present) return info.name;
#endif
    (void)index;
    return {};
}

Device cuda_device(int index) {
    Device d;
    d.cuda = true;
    d.index = index;
    d.name = "cuda:" + std::to_string(index);
    const std::string gpu = gpu_name(index);
    d.label = gpu.empty() ? d.name : d.name + " (" + gpu + ")";
    return d;
}

}  // namespace

std::string cuda_unavailable_reason() {
    if (!at::detail::getCUDAHooks().hasCUDART()) {
        std::string why = "this LibTorch (" TORCH_VERSION ") was built without CUDA";
        const std::string gpu = gpu_name(0);
        if (!gpu.empty()) why += "; the " + gpu + " here needs a CUDA-enabled LibTorch (CMAKE_PREFIX_PATH, see the README)";
        return why;
    }
    if (torch::cuda::device_count() == 0) return "no CUDA device is visible (check the driver and CUDA_VISIBLE_DEVICES)";
    return {};
}

std::vector<std::string> available_devices() {
    std::vector<std::string> out{"cpu"};
    if (cuda_unavailable_reason().empty())
        for (std::size_t i = 0; i < torch::cuda::device_count(); ++i) out.push_back(cuda_device(int(i)).label);
    return out;
}

Device resolve_device(const std::string& request, const std::string& cuda_reason_not) {
    if (request == "cpu") return Device{};
    if (request == "auto") {
        if (!cuda_reason_not.empty() || !cuda_unavailable_reason().empty()) return Device{};
        return cuda_device(0);
    }
    int index = 0;
    if (request.rfind("cuda:", 0) == 0) {
        const std::string n = request.substr(5);
        if (n.empty() || n.find_first_not_of("0123456789") != std::string::npos || n.size() > 3)
            throw ConfigError("device '" + request + "': expected auto, cpu, cuda or cuda:N");
        index = std::stoi(n);
    } else if (request != "cuda") {
        throw ConfigError("device '" + request + "': expected auto, cpu, cuda or cuda:N");
    }
    if (!cuda_reason_not.empty())
        throw ConfigError("device '" + request + "': " + cuda_reason_not + "; use --device cpu (or auto)");
    if (const std::string why = cuda_unavailable_reason(); !why.empty())
        throw ConfigError("device '" + request + "' cannot run here: " + why + "; use --device cpu (or auto)");
    if (index >= int(torch::cuda::device_count()))
        throw ConfigError("device '" + request + "': there are " + std::to_string(torch::cuda::device_count()) +
                          " CUDA devices (cuda:0 to cuda:" + std::to_string(torch::cuda::device_count() - 1) + ")");
    return cuda_device(index);
}

}  // namespace sparq::engine

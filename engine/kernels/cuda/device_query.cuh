#pragma once
// Plain C++ view of the CUDA runtime's device query; callable from host code without CUDA
// headers.
#include <string>

namespace sparq::engine::kernels::cuda {

struct DeviceInfo {
    bool present = false;
    std::string name;
    int sm_count = 0;
    int major = 0, minor = 0;
    std::size_t memory_bytes = 0;
    std::string error;  // why no device is present, when the runtime says
};

/// Queries device `index`; never throws, reports "no device" when there is no driver or GPU.
DeviceInfo query_device(int index);

}  // namespace sparq::engine::kernels::cuda

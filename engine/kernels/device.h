#pragma once
// Which compute device jobs run on, in words for the status bar and the CLI.
#include <string>

namespace sparq::engine::kernels {

/// "cpu", "cuda:0 (NVIDIA H200)", or "cpu (GPU present, but this LibTorch has no CUDA)".
std::string describe_device();

}  // namespace sparq::engine::kernels

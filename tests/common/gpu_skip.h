#pragma once
// Skips a test cleanly on machines without a usable CUDA device (the `gpu`-labelled tests).
#include <gtest/gtest.h>

#include <string>

#include "device_query.cuh"

namespace sparq::test {

inline bool have_gpu(std::string* why) {
    const auto info = sparq::engine::kernels::cuda::query_device(0);
    if (!info.present) *why = "no CUDA device (" + (info.error.empty() ? std::string("none found") : info.error) + ")";
    return info.present;
}

}  // namespace sparq::test

#define SKIP_WITHOUT_GPU()                                                          \
    do {                                                                            \
        std::string why_;                                                           \
        if (!::sparq::test::have_gpu(&why_)) GTEST_SKIP() << "needs a CUDA GPU: " << why_; \
    } while (0)

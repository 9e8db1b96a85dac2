#pragma once
// Host-side helpers shared by the CUDA kernel files: error checks that throw, and an owned
// device array. Included by .cu files only (it needs the CUDA runtime headers).
#include <cuda_runtime.h>

#include <cstddef>
#include <stdexcept>
#include <string>

namespace sparq::engine::kernels::cuda {

inline void check(cudaError_t rc, const char* what) {
    if (rc != cudaSuccess)
        throw std::runtime_error(std::string("CUDA error in ") + what + ": " + cudaGetErrorString(rc));
}
#define SPARQ_CUDA_CHECK(expr) ::sparq::engine::kernels::cuda::check((expr), #expr)

// An owned device array; freed on scope exit, so that a throwing check leaks nothing.
template <class T>
class DeviceArray {
public:
    explicit DeviceArray(std::size_t n) : n_(n) {
        if (n_ > 0) SPARQ_CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&p_), n_ * sizeof(T)));
    }
    ~DeviceArray() {
        if (p_) cudaFree(p_);  // nothing useful to do with an error in a destructor
    }
    DeviceArray(const DeviceArray&) = delete;
    DeviceArray& operator=(const DeviceArray&) = delete;

    T* get() const { return p_; }
    std::size_t size() const { return n_; }
    void upload(const T* host) {
        if (n_ > 0) SPARQ_CUDA_CHECK(cudaMemcpy(p_, host, n_ * sizeof(T), cudaMemcpyHostToDevice));
    }
    void download(T* host) const {
        if (n_ > 0) SPARQ_CUDA_CHECK(cudaMemcpy(host, p_, n_ * sizeof(T), cudaMemcpyDeviceToHost));
    }

private:
    std::size_t n_ = 0;
    T* p_ = nullptr;
};

}  // namespace sparq::engine::kernels::cuda

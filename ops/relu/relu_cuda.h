// Relu and ReluGrad on a CUDA stream (relu_cuda.cu); C++17-clean.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace graphrun::cuda {

template <typename T>
void relu(const T* x, T* y, int64_t n, cudaStream_t stream);
// dx = dy where x > 0, else 0 (0 at the kink, as the reference).
template <typename T>
void relu_grad(const T* dy, const T* x, T* dx, int64_t n, cudaStream_t stream);

}  // namespace graphrun::cuda

// Add on a CUDA stream (add_cuda.cu); C++17-clean.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace graphrun::cuda {

// y = a + b elementwise; y may be a (AddN accumulates in place).
template <typename T>
void add(const T* a, const T* b, T* y, int64_t n, cudaStream_t stream);

}  // namespace graphrun::cuda

// Launch geometry for the elementwise CUDA kernels: grid-stride loops over a fixed, capped grid,
// so one launch covers any element count. C++17-clean, for .cu files.
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>

namespace graphrun::cuda {

constexpr int kThreads = 256;

inline unsigned int blocks_for(int64_t n) {
  // 2^20 blocks of 256 threads is far more than an H100 keeps resident; the loop does the rest.
  return static_cast<unsigned int>(std::clamp<int64_t>((n + kThreads - 1) / kThreads, 1, int64_t{1} << 20));
}

}  // namespace graphrun::cuda

#define GR_GRID_STRIDE_LOOP(i, n)                                                                   \
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < (n);            \
       i += static_cast<int64_t>(blockDim.x) * gridDim.x)

// Dropout's mask on a CUDA stream (dropout_cuda.cu): the counter-based mask of dropout_mask.h,
// evaluated per element on the GPU, so the CPU and GPU drop the same elements. C++17-clean.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "ops/dropout/dropout_mask.h"

namespace graphrun::cuda {

// y[i] = keep(key, slice.logical_index(i), rate) ? x[i] * scale(rate) : 0.
template <typename T>
void dropout_mask(const T* x, T* y, int64_t n, uint64_t key, double rate, const dropout::MaskSlice& slice,
                  cudaStream_t stream);

}  // namespace graphrun::cuda

// Slice and SliceGrad on a CUDA stream (slice_cuda.cu); C++17-clean. The box is the reference's
// (slice_ref.cc's SliceBox): `rows` runs of `run` contiguous elements of the input, run r
// starting at offset(r).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "core/random.h"  // GR_HOST_DEVICE

namespace graphrun::cuda {

struct SliceBox {
  static constexpr int kMaxRank = 8;
  int64_t base = 0, run = 1, rows = 0;
  int outer_rank = 0;
  int64_t outer_dims[kMaxRank] = {}, outer_strides[kMaxRank] = {};
  GR_HOST_DEVICE int64_t offset(int64_t row) const {
    int64_t offset = base;
    for (int d = outer_rank - 1; d >= 0; --d) {
      offset += (row % outer_dims[d]) * outer_strides[d];
      row /= outer_dims[d];
    }
    return offset;
  }
};

// y (rows x run) = the box of x.
template <typename T>
void slice(const T* x, T* y, const SliceBox& box, cudaStream_t stream);
// dx = 0 outside the box, dy inside; dx has `dx_elements`.
template <typename T>
void slice_grad(const T* dy, T* dx, int64_t dx_elements, const SliceBox& box, cudaStream_t stream);

}  // namespace graphrun::cuda

#include "ops/dropout/dropout_cuda.h"
#include "runtime/devices/cuda_check.h"
#include "runtime/devices/cuda_launch.h"

namespace graphrun::cuda {

namespace {

template <typename T>
__global__ void mask_kernel(const T* x, T* y, int64_t n, uint64_t key, double rate, T scale, dropout::MaskSlice slice) {
  GR_GRID_STRIDE_LOOP(i, n) y[i] = dropout::keep(key, slice.logical_index(i), rate) ? x[i] * scale : T(0);
}

}  // namespace

template <typename T>
void dropout_mask(const T* x, T* y, int64_t n, uint64_t key, double rate, const dropout::MaskSlice& slice,
                  cudaStream_t stream) {
  if (n == 0) return;
  // The scale is rounded to T once, as the reference does.
  T scale = static_cast<T>(dropout::scale(rate));
  mask_kernel<T><<<blocks_for(n), kThreads, 0, stream>>>(x, y, n, key, rate, scale, slice);
  GR_CUDA_CHECK_LAUNCH(mask_kernel);
}

template void dropout_mask<float>(const float*, float*, int64_t, uint64_t, double, const dropout::MaskSlice&,
                                  cudaStream_t);
template void dropout_mask<double>(const double*, double*, int64_t, uint64_t, double, const dropout::MaskSlice&,
                                   cudaStream_t);

}  // namespace graphrun::cuda

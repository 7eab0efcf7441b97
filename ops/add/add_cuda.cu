#include "ops/add/add_cuda.h"
#include "runtime/devices/cuda_check.h"
#include "runtime/devices/cuda_launch.h"

namespace graphrun::cuda {

namespace {

template <typename T>
__global__ void add_kernel(const T* a, const T* b, T* y, int64_t n) {
  GR_GRID_STRIDE_LOOP(i, n) y[i] = a[i] + b[i];
}

}  // namespace

template <typename T>
void add(const T* a, const T* b, T* y, int64_t n, cudaStream_t stream) {
  if (n == 0) return;
  add_kernel<T><<<blocks_for(n), kThreads, 0, stream>>>(a, b, y, n);
  GR_CUDA_CHECK_LAUNCH(add_kernel);
}

template void add<float>(const float*, const float*, float*, int64_t, cudaStream_t);
template void add<double>(const double*, const double*, double*, int64_t, cudaStream_t);

}  // namespace graphrun::cuda

#include "ops/relu/relu_cuda.h"
#include "runtime/devices/cuda_check.h"
#include "runtime/devices/cuda_launch.h"

namespace graphrun::cuda {

namespace {

template <typename T>
__global__ void relu_kernel(const T* x, T* y, int64_t n) {
  GR_GRID_STRIDE_LOOP(i, n) y[i] = x[i] > T(0) ? x[i] : T(0);
}

template <typename T>
__global__ void relu_grad_kernel(const T* dy, const T* x, T* dx, int64_t n) {
  GR_GRID_STRIDE_LOOP(i, n) dx[i] = x[i] > T(0) ? dy[i] : T(0);
}

}  // namespace

template <typename T>
void relu(const T* x, T* y, int64_t n, cudaStream_t stream) {
  if (n == 0) return;
  relu_kernel<T><<<blocks_for(n), kThreads, 0, stream>>>(x, y, n);
  GR_CUDA_CHECK_LAUNCH(relu_kernel);
}

template <typename T>
void relu_grad(const T* dy, const T* x, T* dx, int64_t n, cudaStream_t stream) {
  if (n == 0) return;
  relu_grad_kernel<T><<<blocks_for(n), kThreads, 0, stream>>>(dy, x, dx, n);
  GR_CUDA_CHECK_LAUNCH(relu_grad_kernel);
}

template void relu<float>(const float*, float*, int64_t, cudaStream_t);
template void relu<double>(const double*, double*, int64_t, cudaStream_t);
template void relu_grad<float>(const float*, const float*, float*, int64_t, cudaStream_t);
template void relu_grad<double>(const double*, const double*, double*, int64_t, cudaStream_t);

}  // namespace graphrun::cuda

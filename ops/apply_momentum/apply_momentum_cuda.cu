#include "ops/apply_momentum/apply_momentum_cuda.h"
#include "runtime/devices/cuda_check.h"
#include "runtime/devices/cuda_launch.h"

namespace graphrun::cuda {

namespace {

// The scalars are formed in double and rounded to T, as the reference forms them.
template <typename T>
__global__ void momentum_kernel(T* w, T* v, const T* grad, const void* lr_ptr, bool lr_is_double, double lr_mult,
                                double momentum, double weight_decay, int64_t n) {
  double lr = (lr_is_double ? *static_cast<const double*>(lr_ptr) : *static_cast<const float*>(lr_ptr)) * lr_mult;
  const T m = static_cast<T>(momentum), decay = static_cast<T>(weight_decay * lr), step = static_cast<T>(lr);
  GR_GRID_STRIDE_LOOP(i, n) {
    T vi = m * v[i] - decay * w[i] - step * grad[i];
    v[i] = vi;
    w[i] += vi;
  }
}

}  // namespace

template <typename T>
void apply_momentum(T* w, T* v, const T* grad, const void* lr, bool lr_is_double, double lr_mult, double momentum,
                    double weight_decay, int64_t n, cudaStream_t stream) {
  if (n == 0) return;
  momentum_kernel<T><<<blocks_for(n), kThreads, 0, stream>>>(w, v, grad, lr, lr_is_double, lr_mult, momentum,
                                                             weight_decay, n);
  GR_CUDA_CHECK_LAUNCH(momentum_kernel);
}

template void apply_momentum<float>(float*, float*, const float*, const void*, bool, double, double, double, int64_t,
                                    cudaStream_t);
template void apply_momentum<double>(double*, double*, const double*, const void*, bool, double, double, double,
                                     int64_t, cudaStream_t);

}  // namespace graphrun::cuda

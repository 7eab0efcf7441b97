#include "ops/slice/slice_cuda.h"
#include "runtime/devices/cuda_check.h"
#include "runtime/devices/cuda_launch.h"

namespace graphrun::cuda {

namespace {

// One thread per element of the box; consecutive threads read consecutive elements of a run.
template <typename T>
__global__ void slice_kernel(const T* x, T* y, SliceBox box, int64_t n) {
  GR_GRID_STRIDE_LOOP(i, n) y[i] = x[box.offset(i / box.run) + i % box.run];
}

template <typename T>
__global__ void slice_grad_kernel(const T* dy, T* dx, SliceBox box, int64_t n) {
  GR_GRID_STRIDE_LOOP(i, n) dx[box.offset(i / box.run) + i % box.run] = dy[i];
}

}  // namespace

template <typename T>
void slice(const T* x, T* y, const SliceBox& box, cudaStream_t stream) {
  int64_t n = box.rows * box.run;
  if (n == 0) return;
  slice_kernel<T><<<blocks_for(n), kThreads, 0, stream>>>(x, y, box, n);
  GR_CUDA_CHECK_LAUNCH(slice_kernel);
}

template <typename T>
void slice_grad(const T* dy, T* dx, int64_t dx_elements, const SliceBox& box, cudaStream_t stream) {
  GR_CUDA_CHECK(cudaMemsetAsync(dx, 0, static_cast<size_t>(dx_elements) * sizeof(T), stream));
  int64_t n = box.rows * box.run;
  if (n == 0) return;
  slice_grad_kernel<T><<<blocks_for(n), kThreads, 0, stream>>>(dy, dx, box, n);
  GR_CUDA_CHECK_LAUNCH(slice_grad_kernel);
}

template void slice<float>(const float*, float*, const SliceBox&, cudaStream_t);
template void slice<double>(const double*, double*, const SliceBox&, cudaStream_t);
template void slice<int32_t>(const int32_t*, int32_t*, const SliceBox&, cudaStream_t);
template void slice<int64_t>(const int64_t*, int64_t*, const SliceBox&, cudaStream_t);
template void slice_grad<float>(const float*, float*, int64_t, const SliceBox&, cudaStream_t);
template void slice_grad<double>(const double*, double*, int64_t, const SliceBox&, cudaStream_t);

}  // namespace graphrun::cuda

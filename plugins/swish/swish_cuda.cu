// Swish on the GPU: one thread per element, enqueued on the caller's stream.
#include <cuda_runtime.h>

#include "swish_cuda.h"

namespace {

__global__ void swish_forward(const float* x, float* y, int64_t n) {
  int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i < n) y[i] = x[i] / (1.0f + expf(-x[i]));
}

__global__ void swish_backward(const float* dy, const float* x, float* dx, int64_t n) {
  int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i < n) {
    float s = 1.0f / (1.0f + expf(-x[i]));
    dx[i] = dy[i] * s * (1.0f + x[i] * (1.0f - s));
  }
}

std::string launched(const char* what) {
  cudaError_t status = cudaGetLastError();
  return status == cudaSuccess ? std::string() : std::string(what) + ": " + cudaGetErrorString(status);
}

constexpr int kThreads = 256;
unsigned blocks(int64_t n) { return static_cast<unsigned>((n + kThreads - 1) / kThreads); }

}  // namespace

std::string swish_forward_cuda(const float* x, float* y, int64_t n, void* stream) {
  if (n == 0) return "";
  swish_forward<<<blocks(n), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(x, y, n);
  return launched("swish_forward");
}

std::string swish_backward_cuda(const float* dy, const float* x, float* dx, int64_t n, void* stream) {
  if (n == 0) return "";
  swish_backward<<<blocks(n), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(dy, x, dx, n);
  return launched("swish_backward");
}

// Checks for every CUDA runtime, cuDNN and cuBLAS call: a failure throws graphrun::Error naming
// the call, the file and line, and the library's own description of the status. C++17-clean,
// so .cu files include it too.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include "core/error.h"

#define GR_CUDA_CHECK(call)                                                                       \
  do {                                                                                            \
    cudaError_t gr_status_ = (call);                                                              \
    if (gr_status_ != cudaSuccess)                                                                \
      ::graphrun::fail("CUDA call {} failed at {}:{}: {} ({})", #call, __FILE__, __LINE__,         \
                       cudaGetErrorString(gr_status_), cudaGetErrorName(gr_status_));             \
  } while (0)

#define GR_CUDNN_CHECK(call)                                                                      \
  do {                                                                                            \
    cudnnStatus_t gr_status_ = (call);                                                            \
    if (gr_status_ != CUDNN_STATUS_SUCCESS)                                                       \
      ::graphrun::fail("cuDNN call {} failed at {}:{}: {}", #call, __FILE__, __LINE__,             \
                       cudnnGetErrorString(gr_status_));                                          \
  } while (0)

#define GR_CUBLAS_CHECK(call)                                                                     \
  do {                                                                                            \
    cublasStatus_t gr_status_ = (call);                                                           \
    if (gr_status_ != CUBLAS_STATUS_SUCCESS)                                                      \
      ::graphrun::fail("cuBLAS call {} failed at {}:{}: {}", #call, __FILE__, __LINE__,            \
                       cublasGetStatusString(gr_status_));                                        \
  } while (0)

// After a kernel launch: a bad configuration shows at once (cudaGetLastError); errors while the
// kernel runs surface at the next synchronizing call, which is checked too.
#define GR_CUDA_CHECK_LAUNCH(kernel)                                                              \
  do {                                                                                            \
    cudaError_t gr_status_ = cudaGetLastError();                                                  \
    if (gr_status_ != cudaSuccess)                                                                \
      ::graphrun::fail("CUDA kernel {} failed to launch at {}:{}: {}", #kernel, __FILE__, __LINE__, \
                       cudaGetErrorString(gr_status_));                                           \
  } while (0)

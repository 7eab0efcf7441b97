// NCCL for GPU tensors across ranks: one communicator per logical GPU index (gpu:k of every rank
// forms one), made on first use. Rank 0 draws NCCL's unique id and the communicator broadcasts it
// over MPI (Debian's Open MPI is not CUDA-aware, so the bytes themselves go through NCCL). The
// collectives run on a stream of their own, ordered after the compute stream by events
// (ops/all_reduce/all_reduce_nccl.cc). NCCL allows one rank per physical GPU.
// Built only with CUDA and NCCL (CMakeLists.txt); included by CUDA-only files.
#pragma once

#include <cuda_runtime.h>
#include <nccl.h>

#include "core/dtype.h"
#include "runtime/devices/cuda_device.h"

namespace graphrun {

struct NcclComm {
  ncclComm_t comm = nullptr;
  cudaStream_t stream = nullptr;  // the collectives' stream on this GPU
  int physical = 0;               // the CUDA device
};

// The communicator of `device` (gpu:k) across all ranks; collective over the ranks the first
// time (every rank builds the same kernels in the same order). Errors, including a timeout
// (--comm-timeout) while the ranks meet, name the device and NCCL's reason.
NcclComm& nccl_comm_for(CudaDevice& device);

// ncclFloat / ncclDouble.
ncclDataType_t nccl_type(DType dtype);

}  // namespace graphrun

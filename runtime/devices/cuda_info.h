// What CUDA support this build has and which GPUs the machine shows. Builds without CUDA
// answer "none" (cuda_info_none.cc); CUDA builds ask the runtime (cuda_info.cu).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace graphrun {

bool cuda_built();
// GPUs the CUDA runtime sees; 0 without a driver or a device.
int cuda_device_count();
// "NVIDIA H100 80GB HBM3, compute 9.0, 79 GiB" or why there is none.
std::string cuda_device_description(int ordinal);
// Round-trips `bytes` through device memory (allocate, copy there and back, free) and says
// whether the data came back; the first GPU check the test suite runs.
bool cuda_round_trip(int ordinal, size_t bytes);

// What a logical GPU's caching allocator has done (runtime/devices/cuda_allocator.h). `graphrun
// bench` reports peak_reserved; the tests check that steady-state steps add no cudaMalloc.
struct CudaMemoryStats {
  size_t in_use = 0;         // bytes of live tensors (requested sizes)
  size_t peak_in_use = 0;
  size_t reserved = 0;       // bytes held from cudaMalloc (live + cached blocks)
  size_t peak_reserved = 0;
  int64_t mallocs = 0;       // cudaMalloc calls
  int64_t frees = 0;         // cudaFree calls (only when memory ran short)
  int64_t cache_hits = 0;    // allocations served from the cache
};
// The stats of logical device `device` ("gpu:0", created if need be); all zero in a build
// without CUDA or on a machine without a GPU.
CudaMemoryStats cuda_memory_stats(const std::string& device);

}  // namespace graphrun

// Builds without CUDA (GRAPHRUN_CUDA=OFF, or AUTO without nvcc).
#ifndef GRAPHRUN_WITH_CUDA
#include "runtime/devices/cuda_info.h"

namespace graphrun {

bool cuda_built() { return false; }
int cuda_device_count() { return 0; }
std::string cuda_device_description(int) { return "this build has no CUDA support"; }
bool cuda_round_trip(int, size_t) { return false; }
CudaMemoryStats cuda_memory_stats(const std::string&) { return {}; }

}  // namespace graphrun
#endif

// What CUDA support this build has and which GPUs the machine shows. Builds without CUDA
// answer "none" (cuda_info_none.cc); CUDA builds ask the runtime (cuda_info.cu).
#pragma once

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

}  // namespace graphrun

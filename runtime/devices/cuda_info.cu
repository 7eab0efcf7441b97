#include <cuda_runtime.h>
#include <fmt/format.h>

#include <vector>

#include "runtime/devices/cuda_check.h"
#include "runtime/devices/cuda_info.h"

namespace graphrun {

bool cuda_built() { return true; }

int cuda_device_count() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) return 0;
  return count;
}

std::string cuda_device_description(int ordinal) {
  cudaDeviceProp prop{};
  GR_CUDA_CHECK(cudaGetDeviceProperties(&prop, ordinal));
  return fmt::format("{}, compute {}.{}, {} GiB", prop.name, prop.major, prop.minor, prop.totalGlobalMem >> 30);
}

bool cuda_round_trip(int ordinal, size_t bytes) {
  GR_CUDA_CHECK(cudaSetDevice(ordinal));
  std::vector<unsigned char> host(bytes), back(bytes, 0);
  for (size_t i = 0; i < bytes; ++i) host[i] = static_cast<unsigned char>(i * 131 + 7);
  void* device = nullptr;
  GR_CUDA_CHECK(cudaMalloc(&device, bytes));
  GR_CUDA_CHECK(cudaMemcpy(device, host.data(), bytes, cudaMemcpyHostToDevice));
  GR_CUDA_CHECK(cudaMemcpy(back.data(), device, bytes, cudaMemcpyDeviceToHost));
  GR_CUDA_CHECK(cudaFree(device));
  return host == back;
}

}  // namespace graphrun

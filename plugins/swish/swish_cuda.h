// The Swish plugin's CUDA kernels, callable from plain C++ (the .cu file is compiled only when
// the plugin is built with CUDA). Each returns "" or the CUDA error of the launch.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

std::string swish_forward_cuda(const float* x, float* y, int64_t n, void* stream);
std::string swish_backward_cuda(const float* dy, const float* x, float* dx, int64_t n, void* stream);

inline void swish_cuda_check(const std::string& error) {
  if (!error.empty()) throw std::runtime_error(error);
}

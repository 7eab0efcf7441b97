// Counter-based random numbers: value = f(key, counter). Nothing is sequential, so a tensor's
// random values do not depend on thread timing, on how it is sharded across devices, or on
// whether a CPU or GPU computes them (the same function runs in CUDA kernels).
#pragma once

#include <cmath>
#include <cstdint>
#include <string_view>

// Marks the functions CUDA kernels call as host and device functions; plain C++ sees nothing.
#ifndef GR_HOST_DEVICE
#ifdef __CUDACC__
#define GR_HOST_DEVICE __host__ __device__
#else
#define GR_HOST_DEVICE
#endif
#endif

namespace graphrun {

// SplitMix64 finalizer: a bijective 64-bit mix with good avalanche.
GR_HOST_DEVICE constexpr uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

GR_HOST_DEVICE constexpr uint64_t hash_combine(uint64_t a, uint64_t b) { return mix64(a ^ mix64(b)); }

// FNV-1a of a name, to key randomness by node or variable name.
constexpr uint64_t hash_name(std::string_view name) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : name) h = (h ^ static_cast<uint8_t>(c)) * 0x100000001b3ULL;
  return h;
}

// Uniform in [0, 1) with 53 random bits.
GR_HOST_DEVICE inline double uniform01(uint64_t key, uint64_t counter) {
  return static_cast<double>(hash_combine(key, counter) >> 11) * 0x1.0p-53;
}

// Standard normal by Box-Muller from two counters.
inline double normal01(uint64_t key, uint64_t counter) {
  double u1 = uniform01(key, 2 * counter);
  double u2 = uniform01(key, 2 * counter + 1);
  return std::sqrt(-2.0 * std::log1p(-u1)) * std::cos(6.283185307179586 * u2);
}

}  // namespace graphrun

// The dropout mask as a pure function of (seed, step, node name, element index), so DropoutGrad
// regenerates exactly the forward mask instead of storing it, on any device and thread split.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/random.h"

namespace graphrun::dropout {

inline uint64_t mask_key(uint64_t seed, int64_t step, std::string_view node) {
  return hash_combine(hash_combine(seed, static_cast<uint64_t>(step)), hash_name(node));
}

// Whether element i survives: dropped with probability `rate`.
inline bool keep(uint64_t key, int64_t i, double rate) { return uniform01(key, static_cast<uint64_t>(i)) >= rate; }

// Survivors are scaled so the expected value is unchanged (inverted dropout, as PyTorch).
inline double scale(double rate) { return 1.0 / (1.0 - rate); }

}  // namespace graphrun::dropout

// bfloat16: float32's sign and 8-bit exponent with a 7-bit mantissa, the upper half of a float32.
// Same range as float32, about 3 significant decimal digits: what oneDNN's bf16 primitives and
// cuDNN read and write. Conversion from float rounds to nearest, ties to even (as oneDNN and
// PyTorch do), and keeps NaN a NaN.
#pragma once

#include <bit>
#include <cstdint>

namespace graphrun {

struct bfloat16 {
  uint16_t bits = 0;

  bfloat16() = default;
  explicit bfloat16(float value) : bits(round(value)) {}
  explicit operator float() const { return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16); }

  static uint16_t round(float value) {
    const uint32_t u = std::bit_cast<uint32_t>(value);
    // Truncating a NaN's low mantissa bits could leave an infinity: set a quiet bit instead.
    if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40);
    // Adding 0x7fff plus the lowest kept bit rounds half-way cases to the even neighbour.
    return static_cast<uint16_t>((u + 0x7fffu + ((u >> 16) & 1)) >> 16);
  }
};

}  // namespace graphrun

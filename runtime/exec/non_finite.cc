#include "runtime/exec/non_finite.h"

#include <algorithm>

namespace graphrun {

namespace {

// A float is NaN or Inf exactly when all its exponent bits are set.
template <typename Bits, Bits kExponent>
bool is_non_finite(Bits bits) {
  return (bits & kExponent) == kExponent;
}

// Whether any element of the block is non-finite. Without the sign bit a non-finite value is the
// largest magnitude there is, so the test is a max-reduction, which the compiler vectorises (an
// OR of comparisons it did not); cloned for AVX-512 and AVX2 because the build targets the
// baseline x86-64.
template <typename Bits, Bits kExponent>
__attribute__((target_clones("arch=skylake-avx512", "avx2", "default"))) bool block_has_non_finite(const Bits* v,
                                                                                                  int64_t n) {
  constexpr Bits kMagnitude = static_cast<Bits>(~Bits{0} >> 1);
  Bits largest = 0;
  for (int64_t i = 0; i < n; ++i) largest = std::max<Bits>(largest, v[i] & kMagnitude);
  return largest >= kExponent;
}

template <typename Bits, Bits kExponent>
int64_t first_in(const void* data, int64_t n) {
  constexpr int64_t kBlock = 4096;
  const Bits* v = static_cast<const Bits*>(data);
  for (int64_t start = 0; start < n; start += kBlock) {
    const int64_t len = std::min(kBlock, n - start);
    if (!block_has_non_finite<Bits, kExponent>(v + start, len)) continue;
    for (int64_t i = start; i < start + len; ++i)
      if (is_non_finite<Bits, kExponent>(v[i])) return i;
  }
  return -1;
}

}  // namespace

int64_t first_non_finite(const Tensor& tensor) {
  const int64_t n = tensor.num_elements();
  switch (tensor.dtype()) {
    case DType::kFloat32: return first_in<uint32_t, 0x7f800000u>(tensor.raw(), n);
    case DType::kFloat64: return first_in<uint64_t, 0x7ff0000000000000ull>(tensor.raw(), n);
    case DType::kBFloat16: return first_in<uint16_t, 0x7f80u>(tensor.raw(), n);
    default: return -1;
  }
}

}  // namespace graphrun

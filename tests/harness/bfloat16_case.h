// What the bfloat16 kernel tests share: their tolerance and whether this CPU runs them.
#pragma once

#include <doctest/doctest.h>

#include "runtime/devices/cpu_peak.h"
#include "tests/harness/op_harness.h"

namespace graphrun::testing {

// The inputs are bfloat16 on both sides (opcheck::compare_bfloat16_kernels), so what remains is
// the output's rounding to 8 significant bits (relative error up to 2^-8) and the kernel's
// float32 sums taken in another order than the reference's: 2^-7 relative, 1e-3 absolute.
inline OpCase bfloat16_tolerance(OpCase c) {
  c.rtol = 1.0 / 128;
  c.atol = 1e-3;
  return c;
}

// oneDNN emulates bfloat16 slowly, and not in every primitive, on CPUs without AVX512_BF16,
// and --precision bf16 refuses them: the bfloat16 tests skip there, visibly.
inline bool bfloat16_cpu() {
  if (cpu_supports(PeakKind::kBFloat16Dot)) return true;
  MESSAGE("skipped: this CPU lacks AVX512_BF16");
  return false;
}

}  // namespace graphrun::testing

#include "core/precision.h"

#include <atomic>

#include "core/error.h"

namespace graphrun {

namespace {
std::atomic<MathPrecision> g_precision{MathPrecision::kFloat32};
}

MathPrecision math_precision() { return g_precision.load(std::memory_order_relaxed); }

void set_math_precision(MathPrecision precision) { g_precision.store(precision, std::memory_order_relaxed); }

MathPrecision parse_math_precision(std::string_view text) {
  if (text == "fp32" || text == "float32") return MathPrecision::kFloat32;
  if (text == "tf32") return MathPrecision::kTF32;
  if (text == "bf16" || text == "bfloat16") return MathPrecision::kBFloat16;
  fail("unknown precision '{}' (choices: fp32, tf32, bf16)", text);
}

std::string to_string(MathPrecision precision) {
  switch (precision) {
    case MathPrecision::kTF32: return "tf32";
    case MathPrecision::kBFloat16: return "bf16";
    default: return "fp32";
  }
}

}  // namespace graphrun

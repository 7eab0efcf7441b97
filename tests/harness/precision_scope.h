// Sets the math precision (core/precision.h) for a scope and puts the previous one back,
// failures included: kernels and compilation read it when they are built.
#pragma once

#include "core/precision.h"

namespace graphrun::testing {

class PrecisionScope {
 public:
  explicit PrecisionScope(MathPrecision precision) : previous_(math_precision()) { set_math_precision(precision); }
  ~PrecisionScope() { set_math_precision(previous_); }
  PrecisionScope(const PrecisionScope&) = delete;
  PrecisionScope& operator=(const PrecisionScope&) = delete;

 private:
  MathPrecision previous_;
};

}  // namespace graphrun::testing

// Helpers for ops that take an axis attr or move data without computing on it (Concat, Split,
// Softmax, Flatten). Header-only so each op folder stays self-contained.
#pragma once

#include <cstdint>

#include "core/op_registry.h"

namespace graphrun::axis {

// The attr `name` as an axis in [0, rank); negative values count from the end (-1 = last).
inline int normalize(const InferenceContext& ctx, const std::string& name, int rank) {
  int64_t axis = ctx.attrs().i(name);
  if (axis < -rank || axis >= rank)
    ctx.error("attr '{}' = {} is out of range for input 0 of rank {} (valid: {}..{})", name, axis, rank, -rank,
              rank - 1);
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

// Same as above for kernels, which run after the shape function has validated the attr.
inline int normalize(int64_t axis, int rank) { return static_cast<int>(axis < 0 ? axis + rank : axis); }

// Checks every input has input 0's dtype (any dtype: data movement does not care).
inline void expect_same_dtype(const InferenceContext& ctx) {
  for (int i = 1; i < ctx.num_inputs(); ++i)
    if (ctx.input_dtype(i) != ctx.input_dtype(0))
      ctx.error("input {} is {} but input 0 is {}", i, dtype_name(ctx.input_dtype(i)), dtype_name(ctx.input_dtype(0)));
}

// A shape viewed as [outer, axis, inner] around one axis, the loop structure of axis ops.
struct AxisSplit {
  int64_t outer = 1;
  int64_t axis = 1;
  int64_t inner = 1;
};
inline AxisSplit split_at(const Shape& shape, int axis) {
  return {shape.product(0, axis), shape[axis], shape.product(axis + 1, shape.rank())};
}

}  // namespace graphrun::axis

// Slice: y = x[begin[0]:begin[0]+size[0], ...] with size -1 meaning "to the end" (TF's Slice).
// Split: num_split equal parts of x along axis (PyTorch's chunk with an exact divisor).
// No arithmetic; gradients scatter dy back into zeros (Slice) or concatenate the parts (Split).
#include <fmt/ranges.h>

#include "core/kernel_registry.h"
#include "ops/common/axis.h"
#include "ops/common/shape_fns.h"

namespace graphrun {

namespace {

void slice_shape(InferenceContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  std::vector<int64_t> begin = ctx.attrs().ints("begin");
  std::vector<int64_t> size = ctx.attrs().ints("size");
  for (const auto& [name, values] : {std::pair{"begin", &begin}, std::pair{"size", &size}})
    if (static_cast<int>(values->size()) != x.rank())
      ctx.error("attr '{}' = [{}] has {} values, input 0 has rank {} (shape {})", name, fmt::join(*values, ","),
                values->size(), x.rank(), x.str());
  std::vector<int64_t> dims(x.rank());
  for (int d = 0; d < x.rank(); ++d) {
    if (begin[d] < 0 || begin[d] >= x[d])
      ctx.error("attr 'begin' = [{}]: begin[{}] = {} is out of range for dimension {} of size {}",
                fmt::join(begin, ","), d, begin[d], d, x[d]);
    if (size[d] == -1) {
      dims[d] = x[d] - begin[d];
    } else if (size[d] <= 0) {
      ctx.error("attr 'size' = [{}]: size[{}] = {} must be positive or -1 (to the end)", fmt::join(size, ","), d,
                size[d]);
    } else if (size[d] > x[d] - begin[d]) {
      ctx.error("attr 'size' = [{}]: begin[{}] + size[{}] = {} exceeds dimension {} of size {}", fmt::join(size, ","),
                d, d, begin[d] + size[d], d, x[d]);
    } else {
      dims[d] = size[d];
    }
  }
  ctx.set_output(0, ctx.input_dtype(0), Shape(dims));
}

void split_shape(InferenceContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  if (x.rank() == 0) ctx.error("input 0 must have rank >= 1, got a scalar");
  int axis = axis::normalize(ctx, "axis", x.rank());
  int64_t parts = ctx.attrs().i("num_split");
  if (x[axis] % parts != 0)
    ctx.error("attr 'num_split' = {} does not divide dimension {} of size {} (input 0 has shape {})", parts, axis,
              x[axis], x.str());
  Shape part = x;
  part.set_dim(axis, x[axis] / parts);
  for (int i = 0; i < parts; ++i) ctx.set_output(i, ctx.input_dtype(0), part);
}

CostFn copy_cost() {
  return [](const InferenceContext& ctx) { return Cost{0, shape_fns::io_bytes(ctx)}; };
}

}  // namespace

GR_REGISTER_OP("Slice")
    .doc("A box of x: begin[d] .. begin[d]+size[d] in each dimension d; size -1 runs to the end.")
    .input("x")
    .output("y")
    .attr("begin", AttrType::kInts, "first index in each dimension, 0-based", checks::non_negative())
    .attr("size", AttrType::kInts, "extent in each dimension; -1 means to the end")
    .shape_fn(slice_shape)
    .cost_fn(copy_cost());

GR_REGISTER_OP("Split")
    .doc("Splits x into num_split equal parts along axis; outputs <node>:0 .. <node>:num_split-1.")
    .input("x")
    .variadic_output("outputs", "num_split tensors")
    .attr("axis", AttrType::kInt, attr_int(1), "axis to split; negative counts from the end")
    .attr("num_split", AttrType::kInt, attr_int(2), "number of equal parts; must divide the axis", checks::positive())
    .shape_fn(split_shape)
    .cost_fn(copy_cost());

}  // namespace graphrun

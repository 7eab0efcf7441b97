// Slice: y = x[begin[0]:begin[0]+size[0], ...] with size -1 meaning "to the end" (TF's Slice).
// Split: num_split equal parts of x along axis (PyTorch's chunk with an exact divisor).
// No arithmetic. Gradients: Slice's scatters dy into zeros of x's shape (SliceGrad, which takes
// x for that shape so no batch size is baked into an attr); Split's concatenates the parts'
// gradients (zeros for parts nothing flows into).
#include <fmt/ranges.h>

#include "core/gradient.h"
#include "core/kernel_registry.h"
#include "ops/common/axis.h"
#include "ops/common/shape_fns.h"

namespace graphrun {

namespace {

// The shape of the box attrs begin and size take out of input 0, checked.
Shape sliced_shape(const InferenceContext& ctx) {
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
  return Shape(dims);
}

void slice_shape(InferenceContext& ctx) { ctx.set_output(0, ctx.input_dtype(0), sliced_shape(ctx)); }

void slice_grad_shape(InferenceContext& ctx) {
  Shape box = sliced_shape(ctx);
  if (ctx.input_dtype(1) != ctx.input_dtype(0))
    ctx.error("input 1 (dy) is {} but input 0 (x) is {}", dtype_name(ctx.input_dtype(1)),
              dtype_name(ctx.input_dtype(0)));
  if (!(ctx.input_shape(1) == box))
    ctx.error("input 1 (dy) has shape {}, expected the slice's shape {} (input 0 (x) has shape {})",
              ctx.input_shape(1).str(), box.str(), ctx.input_shape(0).str());
  ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0));
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
    .cost_fn(copy_cost())
    .grad([](GradContext& g) {
      g.set_grad_input(0,
                       g.add("slice", "SliceGrad", {g.input(0), g.grad_output(0)}, g.forward_attrs({"begin", "size"})));
    });

GR_REGISTER_OP("SliceGrad")
    .doc("Gradient of Slice: zeros of x's shape with dy in the box begin .. begin+size.")
    .input("x", "the Slice's input (for its shape)")
    .input("dy", "gradient of the Slice's output")
    .output("dx", "x's shape")
    .attr("begin", AttrType::kInts, "the Slice's begin", checks::non_negative())
    .attr("size", AttrType::kInts, "the Slice's size; -1 means to the end")
    .shape_fn(slice_grad_shape)
    .cost_fn(copy_cost());

GR_REGISTER_OP("Split")
    .doc("Splits x into num_split equal parts along axis; outputs <node>:0 .. <node>:num_split-1.")
    .input("x")
    .variadic_output("outputs", "num_split tensors")
    .attr("axis", AttrType::kInt, attr_int(1), "axis to split; negative counts from the end")
    .attr("num_split", AttrType::kInt, attr_int(2), "number of equal parts; must divide the axis", checks::positive())
    .shape_fn(split_shape)
    .cost_fn(copy_cost())
    .grad([](GradContext& g) {
      std::vector<std::string> parts;
      for (int j = 0; j < static_cast<int>(g.node().outputs.size()); ++j) parts.push_back(g.grad_output_or_zeros(j));
      g.set_grad_input(0, g.add("split", "Concat", parts, g.forward_attrs({"axis"})));
    });

}  // namespace graphrun

// Concat: joins its inputs along `axis`; every other dimension must match. No arithmetic.
// Gradient: input i gets Slice(dy) at its offset along the axis. Every other dimension is
// sliced with size -1 ("to the end") and begin 0, so no batch size is baked into the graph;
// along axis 0 (the batch) the offsets themselves depend on the batch size: equal parts (the
// devices' shares of a data-parallel batch) get Split(dy) into as many parts, which holds for
// any batch; unequal parts are refused.
#include <fmt/ranges.h>

#include "core/gradient.h"
#include "core/kernel_registry.h"
#include "ops/common/axis.h"
#include "ops/common/shape_fns.h"

namespace graphrun {

namespace {

void concat_shape(InferenceContext& ctx) {
  axis::expect_same_dtype(ctx);
  const Shape& first = ctx.input_shape(0);
  if (first.rank() == 0) ctx.error("input 0 must have rank >= 1, got a scalar");
  int axis = axis::normalize(ctx, "axis", first.rank());
  std::vector<int64_t> dims = first.dims();
  for (int i = 1; i < ctx.num_inputs(); ++i) {
    const Shape& shape = ctx.input_shape(i);
    if (shape.rank() != first.rank())
      ctx.error("input {} has shape {} of rank {}, input 0 has {} of rank {}", i, shape.str(), shape.rank(),
                first.str(), first.rank());
    for (int d = 0; d < first.rank(); ++d)
      if (d != axis && shape[d] != first[d])
        ctx.error("input {} has shape {}, input 0 has {}: all dimensions but axis {} must match", i, shape.str(),
                  first.str(), axis);
    dims[axis] += shape[axis];
  }
  ctx.set_output(0, ctx.input_dtype(0), Shape(dims));
}

}  // namespace

GR_REGISTER_OP("Concat")
    .doc("Concatenates the inputs along `axis` (default 1, the channels of NCHW).")
    .variadic_input("values", "one or more tensors of the same dtype and rank")
    .output("output")
    .attr("axis", AttrType::kInt, attr_int(1), "axis to join along; negative counts from the end")
    .shape_fn(concat_shape)
    .cost_fn([](const InferenceContext& ctx) {
      return Cost{0, shape_fns::io_bytes(ctx)};
    })
    .grad([](GradContext& g) {
      int rank = g.input_info(0).shape.rank();
      int axis = axis::normalize(g.attrs().i("axis"), rank);
      bool equal_parts = true;
      for (int i = 1; i < g.num_inputs(); ++i)
        equal_parts = equal_parts && g.input_info(i).shape[0] == g.input_info(0).shape[0];
      if (axis == 0 && equal_parts) {
        std::string parts = g.add("split", "Split", {g.grad_output(0)},
                                  {{"axis", attr_int(0)}, {"num_split", attr_int(g.num_inputs())}});
        for (int i = 0; i < g.num_inputs(); ++i) g.set_grad_input(i, fmt::format("{}:{}", parts, i));
        return;
      }
      if (axis == 0)
        fail(
            "Concat '{}': no gradient for a concatenation of unequal parts along axis 0: the inputs' offsets "
            "along the batch axis change with the batch size; concatenate along another axis",
            g.node().name);
      int64_t offset = 0;
      for (int i = 0; i < g.num_inputs(); ++i) {
        int64_t length = g.input_info(i).shape[axis];
        std::vector<int64_t> begin(rank, 0), size(rank, -1);
        begin[axis] = offset;
        size[axis] = length;
        g.set_grad_input(i, g.add(fmt::format("slice{}", i), "Slice", {g.grad_output(0)},
                                  {{"begin", attr_ints(begin)}, {"size", attr_ints(size)}}));
        offset += length;
      }
    });

}  // namespace graphrun

// Reshape: the same elements in row-major order under another shape; one dimension may be -1,
// inferred from the element count (a leading -1 absorbs the batch size). Flatten(axis): keeps
// dims 0..axis-1 and merges the rest, [d0, .., d(axis-1), d(axis) * .. * d(rank-1)], as
// PyTorch's flatten(start_dim=axis). Neither moves data.
// Gradient: ReshapeLike(dy, x), dy under x's shape. Taking x (rather than an attr with x's
// shape) keeps the batch size out of the graph, so it rebinds to another batch size.
#include "core/gradient.h"
#include "core/kernel_registry.h"
#include "ops/common/axis.h"

namespace graphrun {

namespace {

void reshape_shape(InferenceContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  Shape target = ctx.attrs().shape("shape");
  int64_t count = x.num_elements();
  int inferred = -1;
  int64_t known = 1;
  for (int d = 0; d < target.rank(); ++d) {
    if (target[d] == -1) {
      if (inferred >= 0) ctx.error("attr 'shape' = {} has more than one -1", target.str());
      inferred = d;
    } else if (target[d] <= 0) {
      ctx.error("attr 'shape' = {}: dimension {} is {}; dimensions must be positive or -1 (inferred)", target.str(), d,
                target[d]);
    } else if (__builtin_mul_overflow(known, target[d], &known)) {
      ctx.error("attr 'shape' = {} has more elements than fit in int64", target.str());
    }
  }
  if (inferred >= 0) {
    if (count % known != 0)
      ctx.error("cannot reshape {} ({} elements) to {}: {} is not a multiple of {}", x.str(), count, target.str(),
                count, known);
    target.set_dim(inferred, count / known);
  } else if (known != count) {
    ctx.error("cannot reshape {} ({} elements) to {} ({} elements)", x.str(), count, target.str(), known);
  }
  ctx.set_output(0, ctx.input_dtype(0), target);
}

void flatten_shape(InferenceContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  if (x.rank() == 0) ctx.error("input 0 must have rank >= 1, got a scalar");
  int axis = axis::normalize(ctx, "axis", x.rank());
  std::vector<int64_t> dims(x.dims().begin(), x.dims().begin() + axis);
  dims.push_back(x.product(axis, x.rank()));
  ctx.set_output(0, ctx.input_dtype(0), Shape(dims));
}

void reshape_like_shape(InferenceContext& ctx) {
  const Shape& like = ctx.input_shape(1);
  if (ctx.input_shape(0).num_elements() != like.num_elements())
    ctx.error("input 0 (tensor) has shape {} ({} elements), input 1 (like) has shape {} ({} elements)",
              ctx.input_shape(0).str(), ctx.input_shape(0).num_elements(), like.str(), like.num_elements());
  ctx.set_output(0, ctx.input_dtype(0), like);
}

Cost free(const InferenceContext&) { return Cost{0, 0}; }

// Reshape, Flatten and ReshapeLike only relabel dimensions: the gradient relabels them back.
void reshape_grad(GradContext& g) {
  g.set_grad_input(0, g.add("reshape", "ReshapeLike", {g.grad_output(0), g.input(0)}));
}

}  // namespace

GR_REGISTER_OP("Reshape")
    .doc("The same elements under another shape (no copy); one dimension may be -1.")
    .input("x")
    .output("y")
    .attr("shape", AttrType::kShape, "target shape; at most one -1, inferred from the element count")
    .shape_fn(reshape_shape)
    .cost_fn(free)
    .output_aliases_input()
    .bfloat16(BFloat16Behaviour::kFollows)
    .grad(reshape_grad);

GR_REGISTER_OP("Flatten")
    .doc("Merges dimensions axis.. into one (no copy): [N,C,H,W] -> [N, C*H*W] for axis 1.")
    .input("x")
    .output("y")
    .attr("axis", AttrType::kInt, attr_int(1), "first dimension to merge; negative counts from the end")
    .shape_fn(flatten_shape)
    .cost_fn(free)
    .output_aliases_input()
    .bfloat16(BFloat16Behaviour::kFollows)
    // Flattening from axis 1 keeps channel-major order, so a channel split stays a feature split.
    // Flattening from axis 1 or later keeps each sample's elements together (a batch split stays).
    .split([](const SplitContext& ctx) {
      int64_t axis = ctx.attrs.i("axis"), rank = ctx.input_shapes[0].rank();
      if (ctx.batch_parallel && (axis >= 1 || axis + rank >= 1)) return split_rules::batch(ctx);
      if (axis != 1 || rank < 2) return SplitDecision::run_whole();
      return split_rules::channels(ctx);
    })
    .grad(reshape_grad);

GR_REGISTER_OP("ReshapeLike")
    .doc("The elements of `tensor` under the shape of `like` (no copy); the gradient of Reshape and Flatten.")
    .input("tensor")
    .input("like", "only its shape is used")
    .output("y", "like's shape, tensor's dtype")
    .no_gradient({1})
    .shape_fn(reshape_like_shape)
    .cost_fn(free)
    .output_aliases_input()
    .grad(reshape_grad);

}  // namespace graphrun

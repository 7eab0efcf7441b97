// ScaleShift: y[n, c, ...] = x[n, c, ...] * scale[c] + shift[c], per channel (axis 1). It is
// inference-mode batch normalization with its statistics folded in: the ONNX importer turns
// BatchNormalization into ScaleShift with scale = gamma / sqrt(var + eps) and
// shift = beta - mean * scale, computed at load time.
// Gradient ScaleShiftGrad(dy, x, scale) -> (dx, dscale, dshift): dx = dy * scale[c],
// dscale[c] = sum over n and the spatial positions of dy * x, dshift[c] = sum of dy. Smooth.
#include "core/gradient.h"
#include "core/kernel_registry.h"
#include "ops/common/shape_fns.h"

namespace graphrun {

namespace {

// Checks x (rank >= 2, channels on axis 1) and the per-channel vectors at `channel_inputs`.
void check_channels(InferenceContext& ctx, int x, const std::vector<int>& channel_inputs) {
  ctx.expect_same_float_dtype();
  const Shape& xs = ctx.input_shape(x);
  if (xs.rank() < 2) ctx.error("input {} must have rank 2 or more ([N, C, ...]), got shape {}", x, xs.str());
  for (int i : channel_inputs)
    if (!(ctx.input_shape(i) == Shape{xs[1]}))
      ctx.error("input {} has shape {}, expected [{}] (one value per channel of input {} with shape {})", i,
                ctx.input_shape(i).str(), xs[1], x, xs.str());
}

void scale_shift_shape(InferenceContext& ctx) {
  check_channels(ctx, 0, {1, 2});
  ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0));
}

void scale_shift_grad_shape(InferenceContext& ctx) {
  check_channels(ctx, 1, {2});
  if (!(ctx.input_shape(0) == ctx.input_shape(1)))
    ctx.error("input 0 (dy) has shape {}, expected x's shape {}", ctx.input_shape(0).str(), ctx.input_shape(1).str());
  ctx.set_output(0, ctx.input_dtype(1), ctx.input_shape(1));
  ctx.set_output(1, ctx.input_dtype(2), ctx.input_shape(2));
  ctx.set_output(2, ctx.input_dtype(2), ctx.input_shape(2));
}

}  // namespace

GR_REGISTER_OP("ScaleShift")
    .doc("Per-channel affine map y = x * scale[c] + shift[c], c on axis 1 (inference batch normalization, folded).")
    .input("x", "[N, C, ...]")
    .input("scale", "[C]")
    .input("shift", "[C]")
    .output("y", "same shape as x")
    .shape_fn(scale_shift_shape)
    .cost_fn(shape_fns::elementwise_cost(2))
    .split(split_rules::per_sample([](const SplitContext&) { return SplitDecision::run_whole(); }))
    .grad([](GradContext& g) {
      std::string grads = g.add("scale_shift", "ScaleShiftGrad", {g.grad_output(0), g.input(0), g.input(1)});
      g.set_grad_input(0, grads);
      g.set_grad_input(1, grads + ":1");
      g.set_grad_input(2, grads + ":2");
    });

GR_REGISTER_OP("ScaleShiftGrad")
    .doc("Gradient of ScaleShift: dx = dy * scale[c], dscale[c] = sum dy * x, dshift[c] = sum dy.")
    .input("dy", "gradient of the ScaleShift's output")
    .input("x", "the ScaleShift's input")
    .input("scale", "[C]")
    .output("dx", "same shape as x")
    .output("dscale", "[C]")
    .output("dshift", "[C]")
    .shape_fn(scale_shift_grad_shape)
    .cost_fn(shape_fns::elementwise_cost(4));

}  // namespace graphrun

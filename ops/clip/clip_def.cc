// Clip: y = min(max(x, min), max) (ONNX's Clip; ReLU6 is Clip(0, 6)). The bounds are attrs: the
// ONNX importer folds Clip-11's min / max inputs, which must be known at load time.
// Gradient ClipGrad(dy, x): dx = dy where min < x < max, else 0; at the kinks x = min and x = max
// the gradient is 0, as PyTorch's hardtanh (and so ReLU6) gives.
#include <limits>

#include "core/gradient.h"
#include "core/kernel_registry.h"
#include "ops/common/shape_fns.h"

namespace graphrun {

namespace {

void bounds_attrs(OpDefBuilder& op) {
  op.attr("min", AttrType::kFloat, attr_float(std::numeric_limits<float>::lowest()),
          "lower bound (default: the lowest float, ONNX's)")
      .attr("max", AttrType::kFloat, attr_float(std::numeric_limits<float>::max()),
            "upper bound (default: the largest float, ONNX's)");
}

void clip_shape(InferenceContext& ctx) {
  if (ctx.attrs().f("min") > ctx.attrs().f("max"))
    ctx.error("attr 'min' = {} is above attr 'max' = {}", ctx.attrs().f("min"), ctx.attrs().f("max"));
  shape_fns::same_as_input(ctx);
}

}  // namespace

GR_REGISTER_OP("Clip")
    .doc("Clamps each element to [min, max].")
    .input("x")
    .output("y")
    .with(bounds_attrs)
    .shape_fn(clip_shape)
    .cost_fn(shape_fns::elementwise_cost(2))
    .split(split_rules::elementwise)
    .grad([](GradContext& g) {
      g.set_grad_input(0, g.add("clip", "ClipGrad", {g.grad_output(0), g.input(0)}, g.forward_attrs({"min", "max"})));
    });

GR_REGISTER_OP("ClipGrad")
    .doc("Gradient of Clip: dx = dy where min < x < max, else 0.")
    .input("dy", "gradient of the Clip's output")
    .input("x", "the Clip's input")
    .output("dx")
    .with(bounds_attrs)
    .shape_fn(clip_shape)
    .cost_fn(shape_fns::elementwise_cost(2))
    .split(split_rules::elementwise);

}  // namespace graphrun

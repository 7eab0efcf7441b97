// Softmax along one axis: y_i = exp(x_i - max_j x_j) / sum_j exp(x_j - max_j x_j). Subtracting
// the max changes nothing mathematically but keeps exp from overflowing.
// Gradient (SoftmaxGrad): dx_i = y_i * (dy_i - sum_j dy_j y_j) along the axis.
#include "core/gradient.h"
#include "core/kernel_registry.h"
#include "ops/common/axis.h"
#include "ops/common/shape_fns.h"

namespace graphrun {

GR_REGISTER_OP("Softmax")
    .doc("Numerically stable softmax along `axis` (default -1, the last).")
    .input("x")
    .output("y")
    .attr("axis", AttrType::kInt, attr_int(-1), "axis to normalize; negative counts from the end")
    .shape_fn([](InferenceContext& ctx) {
      ctx.expect_same_float_dtype();
      if (ctx.input_shape(0).rank() == 0) ctx.error("input 0 must have rank >= 1, got a scalar");
      axis::normalize(ctx, "axis", ctx.input_shape(0).rank());
      ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0));
    })
    // Per element: max, subtract, exp, sum, divide.
    .cost_fn(shape_fns::elementwise_cost(5))
    .grad([](GradContext& g) {
      g.set_grad_input(0, g.add("softmax", "SoftmaxGrad", {g.grad_output(0), g.output(0)}, g.forward_attrs({"axis"})));
    });

// Takes y, not x: the gradient needs only the softmax itself, so nothing is recomputed.
GR_REGISTER_OP("SoftmaxGrad")
    .doc("Gradient of Softmax: dx = y * (dy - sum(dy * y, axis)).")
    .input("dy", "gradient of the Softmax's output")
    .input("y", "the Softmax's output")
    .output("dx")
    .attr("axis", AttrType::kInt, attr_int(-1), "the Softmax's axis; negative counts from the end")
    .shape_fn([](InferenceContext& ctx) {
      shape_fns::same_as_input(ctx);
      if (ctx.input_shape(0).rank() == 0) ctx.error("input 0 must have rank >= 1, got a scalar");
      axis::normalize(ctx, "axis", ctx.input_shape(0).rank());
    })
    // Per element: multiply-add into the dot product, subtract, multiply.
    .cost_fn(shape_fns::elementwise_cost(4));

}  // namespace graphrun

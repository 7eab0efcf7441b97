// ApplyMomentum: one SGD step with momentum and weight decay, exactly as the AlexNet paper
// writes it (Krizhevsky et al. 2012, section 5), with Caffe's per-variable multipliers:
//   lr' = lr * lr_mult,  wd' = weight_decay * decay_mult
//   v <- momentum * v - wd' * lr' * w - lr' * grad
//   w <- w + v
// It updates the variable and its momentum buffer in place (both are Variables, so both are
// checkpointed) and outputs the updated variable. The learning rate is an input, so a schedule
// changes it without rebuilding anything. Not differentiable.
#include "core/kernel_registry.h"
#include "ops/common/shape_fns.h"

namespace graphrun {

GR_REGISTER_OP("ApplyMomentum")
    .doc("SGD with momentum and weight decay as the AlexNet paper writes it; updates var and momentum in place.")
    .input("var", "the Variable to update")
    .input("momentum_buffer", "its momentum Variable, same shape")
    .input("grad", "d loss / d var")
    .input("lr", "learning rate, a scalar")
    .output("updated", "the variable after the step")
    .attr("momentum", AttrType::kFloat, attr_float(0.9), "momentum coefficient", checks::in_range(0, 1))
    .attr("weight_decay", AttrType::kFloat, attr_float(0.0005), "L2 weight decay", checks::in_range(0, 1))
    .attr("lr_mult", AttrType::kFloat, attr_float(1.0), "learning-rate multiplier of this variable")
    .attr("decay_mult", AttrType::kFloat, attr_float(1.0), "weight-decay multiplier of this variable")
    .stateful()
    .output_aliases_input()  // the variable, updated in place
    .optimizer_update()
    .shape_fn([](InferenceContext& ctx) {
      DType dtype = ctx.input_dtype(0);
      if (!is_floating(dtype)) ctx.error("var must be float32 or float64, got {}", dtype_name(dtype));
      for (int i = 1; i < 3; ++i) {
        if (ctx.input_dtype(i) != dtype || !(ctx.input_shape(i) == ctx.input_shape(0)))
          ctx.error("input {} is {} {}, var is {} {}", i, dtype_name(ctx.input_dtype(i)), ctx.input_shape(i).str(),
                    dtype_name(dtype), ctx.input_shape(0).str());
      }
      if (ctx.input_shape(3).num_elements() != 1) ctx.error("lr must be a scalar, got {}", ctx.input_shape(3).str());
      ctx.set_output(0, dtype, ctx.input_shape(0));
    })
    .cost_fn(shape_fns::elementwise_cost(6));

}  // namespace graphrun

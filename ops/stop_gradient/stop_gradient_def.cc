// StopGradient: y = x, but no gradient flows back through it (autodiff treats the path as cut,
// explicitly, as TF's tf.stop_gradient does).
#include "core/gradient.h"
#include "core/kernel_registry.h"
#include "ops/common/shape_fns.h"

namespace graphrun {

GR_REGISTER_OP("StopGradient")
    .doc("Identity forward; blocks the gradient.")
    .input("x")
    .output("y")
    .no_gradient({0})
    .grad([](GradContext&) {})
    .shape_fn([](InferenceContext& ctx) { ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0)); })
    .cost_fn(shape_fns::elementwise_cost(0))
    .split(split_rules::elementwise)
    .output_aliases_input();

}  // namespace graphrun

// Identity: y = x. The kernel aliases the input buffer, so it costs nothing at run time; it
// names a tensor (a graph output) or marks a device boundary. Gradient: dx = dy.
#include "core/gradient.h"
#include "core/kernel_registry.h"

namespace graphrun {

GR_REGISTER_OP("Identity")
    .doc("y = x without a copy (the output shares the input's buffer).")
    .input("x")
    .output("y")
    .shape_fn([](InferenceContext& ctx) { ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0)); })
    .cost_fn([](const InferenceContext&) {
      return Cost{0, 0};
    })
    .split(split_rules::elementwise)
    .output_aliases_input()
    .grad([](GradContext& g) { g.set_grad_input(0, g.grad_output(0)); });

}  // namespace graphrun

// Tanh: y = tanh(x). Gradient TanhGrad(dy, y) = dy * (1 - y^2), from the output as TF's TanhGrad
// and Sigmoid here do (smooth: no kink convention).
#include "core/gradient.h"
#include "core/kernel_registry.h"
#include "ops/common/shape_fns.h"

namespace graphrun {

GR_REGISTER_OP("Tanh")
    .doc("Hyperbolic tangent: y = tanh(x).")
    .input("x")
    .output("y")
    .shape_fn(shape_fns::same_as_input)
    .cost_fn(shape_fns::elementwise_cost(4))
    .split(split_rules::elementwise)
    .grad([](GradContext& g) { g.set_grad_input(0, g.add("tanh", "TanhGrad", {g.grad_output(0), g.output(0)})); });

GR_REGISTER_OP("TanhGrad")
    .doc("Gradient of Tanh from its output: dx = dy * (1 - y^2).")
    .input("dy", "gradient of the Tanh's output")
    .input("y", "the Tanh's output")
    .output("dx")
    .shape_fn(shape_fns::same_as_input)
    .cost_fn(shape_fns::elementwise_cost(3))
    .split(split_rules::elementwise);

}  // namespace graphrun

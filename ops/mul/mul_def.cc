// Mul: y = a * b elementwise, same shapes (no broadcasting, as Add). Gradient: da = dy * b,
// db = dy * a, as two more Mul nodes.
#include "core/gradient.h"
#include "core/kernel_registry.h"
#include "ops/common/shape_fns.h"

namespace graphrun {

GR_REGISTER_OP("Mul")
    .doc("Elementwise a * b of two tensors of the same shape (no broadcasting).")
    .input("a")
    .input("b")
    .output("y")
    .shape_fn(shape_fns::same_shape_binary)
    .cost_fn(shape_fns::elementwise_cost(1))
    .split(split_rules::elementwise)
    .grad([](GradContext& g) {
      g.set_grad_input(0, g.add("a", "Mul", {g.grad_output(0), g.input(1)}));
      g.set_grad_input(1, g.add("b", "Mul", {g.grad_output(0), g.input(0)}));
    });

}  // namespace graphrun

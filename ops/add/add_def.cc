// Add: y = a + b, same shapes (no broadcasting: a bias goes through Dense or Conv2D).
// AddN: y = sum of its inputs, all of one shape; the backward pass uses it to accumulate the
// gradients of a tensor consumed by several nodes. Gradient: dy passes unchanged to each input.
#include "core/gradient.h"
#include "core/kernel_registry.h"
#include "ops/common/shape_fns.h"

namespace graphrun {

GR_REGISTER_OP("Add")
    .doc("Elementwise a + b of two tensors of the same shape (no broadcasting).")
    .input("a")
    .input("b")
    .output("y")
    .shape_fn(shape_fns::same_shape_binary)
    .cost_fn(shape_fns::elementwise_cost(1))
    .split(split_rules::elementwise)
    .elementwise()
    .grad([](GradContext& g) {
      g.set_grad_input(0, g.grad_output(0));
      g.set_grad_input(1, g.grad_output(0));
    });

GR_REGISTER_OP("AddN")
    .doc("Elementwise sum of one or more tensors of the same shape and dtype.")
    .variadic_input("inputs", "one or more tensors")
    .output("sum")
    .shape_fn(shape_fns::same_as_input)
    .split(split_rules::elementwise)
    .elementwise()
    .cost_fn([](const InferenceContext& ctx) {
      double adds = static_cast<double>(ctx.num_inputs() - 1) * static_cast<double>(ctx.output(0).shape.num_elements());
      return Cost{adds, shape_fns::io_bytes(ctx)};
    })
    .grad([](GradContext& g) {
      for (int i = 0; i < g.num_inputs(); ++i) g.set_grad_input(i, g.grad_output(0));
    });

}  // namespace graphrun

// Relu: y = max(x, 0). Gradient convention at the kink: dy/dx = 0 at x = 0 (as TF and PyTorch).
// The gradient reads the Relu's output, not its input: y > 0 exactly where x > 0, so the values
// are the same, and the input (a convolution's output, the largest tensors of AlexNet) is then
// read by nobody after the forward Relu and goes back to the allocator at once, as TF's
// ReluGrad(dy, features=y) and PyTorch's in-place ReLU arrange.
#include "core/gradient.h"
#include "core/kernel_registry.h"
#include "ops/common/shape_fns.h"

namespace graphrun {

GR_REGISTER_OP("Relu")
    .doc("Rectified linear unit: y = max(x, 0).")
    .input("x")
    .output("y")
    .shape_fn(shape_fns::same_as_input)
    .cost_fn(shape_fns::elementwise_cost(1))
    .split(split_rules::elementwise)
    .elementwise()
    .bfloat16(BFloat16Behaviour::kFollows)
    .grad([](GradContext& g) { g.set_grad_input(0, g.add("relu", "ReluGrad", {g.grad_output(0), g.output(0)})); });

// ReluGrad: dx = dy where x > 0, else 0 (x: the Relu's input or, equally, its output).
GR_REGISTER_OP("ReluGrad")
    .doc("Gradient of Relu: dx = dy * (x > 0), x the Relu's output (or input: same sign pattern).")
    .input("dy", "gradient of the Relu's output")
    .input("x", "the Relu's output (autodiff passes it) or input")
    .output("dx")
    .shape_fn(shape_fns::same_as_input)
    .cost_fn(shape_fns::elementwise_cost(1))
    .elementwise();

}  // namespace graphrun

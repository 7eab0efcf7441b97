// LeakyRelu: y = x for x >= 0, alpha * x for x < 0 (ONNX's LeakyRelu, PyTorch's leaky_relu).
// Gradient LeakyReluGrad(dy, x): dx = dy for x > 0, alpha * dy otherwise; at the kink x = 0 the
// slope is alpha, as PyTorch's. It reads the input x: with alpha < 0 the output's sign no longer
// tells the side of the kink.
#include "core/gradient.h"
#include "core/kernel_registry.h"
#include "ops/common/shape_fns.h"

namespace graphrun {

namespace {
void alpha_attr(OpDefBuilder& op) {
  op.attr("alpha", AttrType::kFloat, attr_float(0.01), "slope for x < 0 (ONNX's and PyTorch's default 0.01)");
}
}  // namespace

GR_REGISTER_OP("LeakyRelu")
    .doc("Leaky rectified linear unit: y = x for x >= 0, alpha * x for x < 0.")
    .input("x")
    .output("y")
    .with(alpha_attr)
    .shape_fn(shape_fns::same_as_input)
    .cost_fn(shape_fns::elementwise_cost(2))
    .split(split_rules::elementwise)
    .grad([](GradContext& g) {
      g.set_grad_input(0, g.add("leaky_relu", "LeakyReluGrad", {g.grad_output(0), g.input(0)},
                                g.forward_attrs({"alpha"})));
    });

GR_REGISTER_OP("LeakyReluGrad")
    .doc("Gradient of LeakyRelu: dx = dy for x > 0, alpha * dy otherwise.")
    .input("dy", "gradient of the LeakyRelu's output")
    .input("x", "the LeakyRelu's input")
    .output("dx")
    .with(alpha_attr)
    .shape_fn(shape_fns::same_as_input)
    .cost_fn(shape_fns::elementwise_cost(2))
    .split(split_rules::elementwise);

}  // namespace graphrun

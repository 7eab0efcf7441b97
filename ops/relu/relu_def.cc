// Relu: y = max(x, 0). Gradient convention at the kink: dy/dx = 0 at x = 0 (as TF and PyTorch).
#include "core/kernel_registry.h"
#include "ops/common/shape_fns.h"

namespace graphrun {

GR_REGISTER_OP("Relu")
    .doc("Rectified linear unit: y = max(x, 0).")
    .input("x")
    .output("y")
    .shape_fn(shape_fns::same_as_input)
    .cost_fn(shape_fns::elementwise_cost(1));

}  // namespace graphrun

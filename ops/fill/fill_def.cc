// ZerosLike and OnesLike: a tensor of x's shape and dtype filled with 0 or 1. Autodiff seeds
// d loss / d loss with OnesLike and stands in ZerosLike for outputs no gradient flows into.
// Their outputs do not depend on x's values, so neither has a gradient (nothing flows back).
#include "core/gradient.h"
#include "core/kernel_registry.h"
#include "ops/common/shape_fns.h"

namespace graphrun {

namespace {
void like_input(InferenceContext& ctx) { ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0)); }
void no_flow(GradContext&) {}
}  // namespace

GR_REGISTER_OP("ZerosLike")
    .doc("Zeros of x's shape and dtype.")
    .input("x")
    .output("y")
    .no_gradient({0})
    .grad(no_flow)
    .shape_fn(like_input)
    .cost_fn(shape_fns::elementwise_cost(0));

GR_REGISTER_OP("OnesLike")
    .doc("Ones of x's shape and dtype.")
    .input("x")
    .output("y")
    .no_gradient({0})
    .grad(no_flow)
    .shape_fn(like_input)
    .cost_fn(shape_fns::elementwise_cost(0));

}  // namespace graphrun

// Cast: y = x converted to dtype `to`, elementwise. float32 -> bfloat16 rounds to nearest, ties to
// even (core/bfloat16.h); widening is exact. The mixed-precision pass (--precision bf16) puts
// these as ordinary nodes at the borders of its bfloat16 region, so the memory plan and the
// profile see them. Gradient: dx = Cast(dy, to = x's dtype), so gradients reach float32 variables
// as float32.
#include "core/gradient.h"
#include "core/kernel_registry.h"
#include "ops/common/shape_fns.h"

namespace graphrun {

namespace {
bool castable(DType dtype) { return is_floating(dtype) || dtype == DType::kBFloat16; }
}  // namespace

GR_REGISTER_OP("Cast")
    .doc("y = x converted to dtype `to` (float32, float64, bfloat16; to bfloat16 rounds to nearest even).")
    .input("x")
    .output("y")
    .attr("to", AttrType::kDType, "the output's element type")
    .shape_fn([](InferenceContext& ctx) {
      DType from = ctx.input_dtype(0), to = ctx.attrs().dtype("to");
      if (!castable(from)) ctx.error("input 0 must be float32, float64 or bfloat16, got {}", dtype_name(from));
      if (!castable(to)) ctx.error("attr 'to' must be float32, float64 or bfloat16, got {}", dtype_name(to));
      ctx.set_output(0, to, ctx.input_shape(0));
    })
    .cost_fn([](const InferenceContext& ctx) {
      const double n = static_cast<double>(ctx.input_shape(0).num_elements());
      return Cost{0, n * static_cast<double>(dtype_size(ctx.input_dtype(0)) + dtype_size(ctx.attrs().dtype("to")))};
    })
    .split(split_rules::elementwise)
    .grad([](GradContext& g) {
      g.set_grad_input(0, g.add("cast", "Cast", {g.grad_output(0)}, {{"to", attr_dtype(g.input_info(0).dtype)}}));
    });

}  // namespace graphrun

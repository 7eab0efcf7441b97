// FusedApplyMomentum: ApplyMomentum over many variables in one node, so a device runs its whole
// SGD step as one kernel (one CUDA launch per 64 variables) instead of one per variable. The
// compile pass runtime/passes/fuse_updates.cc makes one per device from the per-variable updates.
// Inputs: lr, then var_0..var_{n-1}, momentum_0..momentum_{n-1}, grad_0..grad_{n-1}; outputs:
// updated_0..updated_{n-1}, the variables after the step (updated in place, as ApplyMomentum).
// lr_mults and decay_mults hold each variable's multipliers; the element update is
// ApplyMomentum's (ops/apply_momentum/momentum_update.h), bit for bit. Not differentiable.
#include "core/kernel_registry.h"
#include "ops/common/shape_fns.h"

namespace graphrun {

namespace {

void fused_momentum_shape(InferenceContext& ctx) {
  int tensors = ctx.num_inputs() - 1;
  if (tensors < 3 || tensors % 3 != 0)
    ctx.error("takes lr, then var_0..var_(n-1), momentum_0..momentum_(n-1), grad_0..grad_(n-1) (3n inputs, n >= 1); "
              "got {} input(s) after lr",
              tensors);
  int n = tensors / 3;
  DType lr = ctx.input_dtype(0);
  if (!is_floating(lr) || ctx.input_shape(0).num_elements() != 1)
    ctx.error("lr must be a float32 or float64 scalar, got {} {}", dtype_name(lr), ctx.input_shape(0).str());
  for (const char* attr : {"lr_mults", "decay_mults"}) {
    size_t count = ctx.attrs().floats(attr).size();
    if (count != static_cast<size_t>(n)) ctx.error("{} has {} value(s) for {} variable(s)", attr, count, n);
  }
  DType dtype = ctx.input_dtype(1);
  if (!is_floating(dtype)) ctx.error("var_0 must be float32 or float64, got {}", dtype_name(dtype));
  for (int i = 0; i < n; ++i) {
    const TensorInfo& var = ctx.input(1 + i);
    if (var.dtype != dtype)
      ctx.error("var_{} is {}, var_0 is {}: one fused update takes one dtype", i, dtype_name(var.dtype), dtype_name(dtype));
    const char* names[] = {"momentum", "grad"};
    for (int k = 1; k <= 2; ++k) {
      const TensorInfo& other = ctx.input(1 + k * n + i);
      if (other.dtype != var.dtype || !(other.shape == var.shape))
        ctx.error("{}_{} is {} {}, var_{} is {} {}", names[k - 1], i, dtype_name(other.dtype), other.shape.str(), i,
                  dtype_name(var.dtype), var.shape.str());
    }
    ctx.set_output(i, var.dtype, var.shape);
  }
}

Cost fused_momentum_cost(const InferenceContext& ctx) {
  double elements = 0;
  for (const auto& out : ctx.outputs()) elements += static_cast<double>(out.shape.num_elements());
  return Cost{6 * elements, shape_fns::io_bytes(ctx)};  // ApplyMomentum's 6 per element
}

}  // namespace

GR_REGISTER_OP("FusedApplyMomentum")
    .doc("ApplyMomentum over n variables in one node: lr, then the n vars, n momentum buffers, n grads.")
    .input("lr", "learning rate, a float scalar")
    .variadic_input("tensors", "var_0..var_(n-1), momentum_0..momentum_(n-1), grad_0..grad_(n-1)")
    .variadic_output("updated", "updated_0..updated_(n-1): the variables after the step")
    .attr("momentum", AttrType::kFloat, attr_float(0.9), "momentum coefficient", checks::in_range(0, 1))
    .attr("weight_decay", AttrType::kFloat, attr_float(0.0005), "L2 weight decay", checks::in_range(0, 1))
    .attr("lr_mults", AttrType::kFloats, "learning-rate multiplier of each variable")
    .attr("decay_mults", AttrType::kFloats, "weight-decay multiplier of each variable")
    .stateful()
    .output_aliases_input(1)  // updated_k is var_k, updated in place
    .optimizer_update()
    .shape_fn(fused_momentum_shape)
    .cost_fn(fused_momentum_cost);

}  // namespace graphrun

#include "ops/common/shape_fns.h"

namespace graphrun::shape_fns {

void same_as_input(InferenceContext& ctx) {
  ctx.expect_same_float_dtype();
  for (int i = 1; i < ctx.num_inputs(); ++i)
    if (!(ctx.input_shape(i) == ctx.input_shape(0)))
      ctx.error("input {} has shape {}, input 0 has {}", i, ctx.input_shape(i).str(), ctx.input_shape(0).str());
  ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0));
}

void same_shape_binary(InferenceContext& ctx) {
  ctx.expect_same_float_dtype();
  if (!(ctx.input_shape(0) == ctx.input_shape(1)))
    ctx.error("input 0 (a) has shape {} but input 1 (b) has shape {}; {} does not broadcast", ctx.input_shape(0).str(),
              ctx.input_shape(1).str(), ctx.op());
  ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0));
}

DType weight_gradient_dtype(const InferenceContext& ctx) {
  const DType in = ctx.input_dtype(0);
  if (!ctx.attrs().b("float32_gradients")) return in;
  if (in == DType::kFloat64) ctx.error("attr 'float32_gradients' would narrow float64 inputs; it is for bfloat16 ones");
  return DType::kFloat32;
}

double io_bytes(const InferenceContext& ctx) {
  double bytes = 0;
  for (int i = 0; i < ctx.num_inputs(); ++i)
    bytes += static_cast<double>(ctx.input_shape(i).num_elements()) * static_cast<double>(dtype_size(ctx.input_dtype(i)));
  for (const auto& out : ctx.outputs())
    bytes += static_cast<double>(out.shape.num_elements()) * static_cast<double>(dtype_size(out.dtype));
  return bytes;
}

CostFn elementwise_cost(double flops_per_element) {
  return [flops_per_element](const InferenceContext& ctx) {
    return Cost{flops_per_element * static_cast<double>(ctx.output(0).shape.num_elements()), io_bytes(ctx)};
  };
}

}  // namespace graphrun::shape_fns

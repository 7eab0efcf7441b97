// Dense (fully connected): y = x W^T + b with x [N, in], W [units, in] (PyTorch's Linear
// layout, so weights load from PyTorch without a transpose), b [units], y [N, units].
// Gradients: dx = dy W (DenseBackpropInput), dW = dy^T x and db = sum over N of dy
// (DenseBackpropWeight, one node for both since they read the same dy); dense_grad_def.cc.
// The weight and bias are implicit parameters: a node listing only x gets Variables
// `<node>/weight` and `<node>/bias`, initialized from attrs weight_init and bias_init.
#include "core/gradient.h"
#include "core/kernel_registry.h"
#include "ops/common/shape_fns.h"

namespace graphrun {

namespace {

// x must be a matrix; conv feature maps go through a Flatten node first, as in PyTorch.
void expect_matrix_input(const InferenceContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  if (x.rank() != 2)
    ctx.error("input 0 (x) must have rank 2 [batch, features], got shape {} (add a Flatten node before it)", x.str());
}

void dense_shape(InferenceContext& ctx) {
  ctx.expect_same_float_dtype();
  expect_matrix_input(ctx);
  const Shape& x = ctx.input_shape(0);
  int64_t units = ctx.attrs().i("units");
  Shape weight{units, x[1]};
  if (ctx.num_inputs() > 1 && !(ctx.input_shape(1) == weight))
    ctx.error("input 1 (weight) has shape {}, expected [units, in] = {} for input 0 (x) of shape {}",
              ctx.input_shape(1).str(), weight.str(), x.str());
  bool use_bias = ctx.attrs().b("use_bias");
  if (use_bias && ctx.num_inputs() > 2 && !(ctx.input_shape(2) == Shape{units}))
    ctx.error("input 2 (bias) has shape {}, expected [units] = [{}]", ctx.input_shape(2).str(), units);
  ctx.set_output(0, ctx.input_dtype(0), Shape{x[0], units});
}

}  // namespace

GR_REGISTER_OP("Dense")
    .doc("Fully connected layer: y = x W^T + b, W [units, in] as PyTorch's Linear.")
    .input("x", "[batch, in]; flatten conv features first")
    .output("y", "[batch, units]")
    .attr("units", AttrType::kInt, "number of outputs", checks::positive())
    .attr("use_bias", AttrType::kBool, attr_bool(true), "add the bias parameter")
    .attr("weight_init", AttrType::kInit, attr_init_xavier(), "initializer of the implicit weight")
    .attr("bias_init", AttrType::kInit, attr_init_constant(0), "initializer of the implicit bias")
    .param(ParamSpec{.name = "weight",
                     .shape =
                         [](const InferenceContext& ctx) {
                           expect_matrix_input(ctx);
                           return Shape{ctx.attrs().i("units"), ctx.input_shape(0)[1]};
                         },
                     .default_init = attr_init_xavier()})
    .param(ParamSpec{.name = "bias",
                     .shape = [](const InferenceContext& ctx) { return Shape{ctx.attrs().i("units")}; },
                     .default_init = attr_init_constant(0),
                     .enabled_by = "use_bias"})
    .shape_fn(dense_shape)
    .split(split_rules::per_sample(
        [](const SplitContext& ctx) { return split_rules::gather_then_split_features(ctx, "units"); }))
    .bfloat16(BFloat16Behaviour::kComputes)
    .cost_fn([](const InferenceContext& ctx) {
      const Shape& x = ctx.input_shape(0);
      double flops =
          2.0 * static_cast<double>(x[0]) * static_cast<double>(x[1]) * static_cast<double>(ctx.attrs().i("units"));
      return Cost{flops, shape_fns::io_bytes(ctx)};
    })
    .grad([](GradContext& g) {
      // Both backward ops take x and W, so neither bakes the batch size into an attr.
      std::vector<std::string> args{g.input(0), g.input(1), g.grad_output(0)};
      g.set_grad_input(0, g.add("input", "DenseBackpropInput", args));
      std::string weight = g.add("weight", "DenseBackpropWeight", args);
      g.set_grad_input(1, weight);
      if (g.num_inputs() > 2) g.set_grad_input(2, weight + ":1");
    });

}  // namespace graphrun

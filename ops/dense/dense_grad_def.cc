// Backward ops of Dense (y = x W^T + b, x [N, in], W [units, in], dy [N, units]):
//   DenseBackpropInput:  dx = dy W            [N, in]
//   DenseBackpropWeight: dW = dy^T x          [units, in]
//                        db = sum over n of dy [units]
// Both take (x, W, dy): x and W give every shape, so no attr holds the batch size and the graph
// rebinds to another batch size like the forward. db comes with dW because both read all of dy;
// it is computed even without a bias (N * units adds, nothing next to the matmul).
// float32_gradients: as Conv2DBackpropFilter's (conv2d_grad_def.cc), dW and db in float32 from
// bfloat16 inputs.
#include <array>

#include "core/kernel_registry.h"
#include "ops/common/shape_fns.h"

namespace graphrun {

namespace {

// Checks (x, W, dy) agree with each other and returns {N, in, units}.
std::array<int64_t, 3> dense_backprop_dims(const InferenceContext& ctx) {
  ctx.expect_same_float_dtype();
  const char* names[] = {"x", "weight", "dy"};
  for (int i = 0; i < 3; ++i)
    if (ctx.input_shape(i).rank() != 2)
      ctx.error("input {} ({}) must have rank 2, got shape {}", i, names[i], ctx.input_shape(i).str());
  const Shape& x = ctx.input_shape(0);
  const Shape& w = ctx.input_shape(1);
  const Shape& dy = ctx.input_shape(2);
  if (w[1] != x[1])
    ctx.error("input 1 (weight) has shape {}, expected [units, {}] for input 0 (x) of shape {}", w.str(), x[1],
              x.str());
  if (!(dy == Shape{x[0], w[0]}))
    ctx.error("input 2 (dy) has shape {}, expected [batch, units] = [{},{}] (x {}, weight {})", dy.str(), x[0], w[0],
              x.str(), w.str());
  return {x[0], x[1], w[0]};
}

Cost matmul_cost(const InferenceContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  double flops =
      2.0 * static_cast<double>(x[0]) * static_cast<double>(x[1]) * static_cast<double>(ctx.input_shape(1)[0]);
  return Cost{flops, shape_fns::io_bytes(ctx)};
}

}  // namespace

GR_REGISTER_OP("DenseBackpropInput")
    .doc("Gradient of Dense with respect to its input: dx = dy W.")
    .input("x", "the Dense's input [batch, in] (for its shape)")
    .input("weight", "the Dense's weight [units, in]")
    .input("dy", "gradient of the Dense's output [batch, units]")
    .output("dx", "[batch, in]")
    .shape_fn([](InferenceContext& ctx) {
      auto [batch, in, units] = dense_backprop_dims(ctx);
      ctx.set_output(0, ctx.input_dtype(0), Shape{batch, in});
    })
    .cost_fn(matmul_cost);

GR_REGISTER_OP("DenseBackpropWeight")
    .doc("Gradient of Dense with respect to its parameters: dweight = dy^T x, dbias = sum over the batch of dy.")
    .input("x", "the Dense's input [batch, in]")
    .input("weight", "the Dense's weight [units, in] (for its shape)")
    .input("dy", "gradient of the Dense's output [batch, units]")
    .output("dweight", "[units, in]")
    .output("dbias", "[units]")
    .attr("float32_gradients", AttrType::kBool, attr_bool(false),
          "with bfloat16 inputs, dweight and dbias in float32 (accumulated in float32, not rounded)")
    .float32_gradients_attr("float32_gradients")
    .shape_fn([](InferenceContext& ctx) {
      auto [batch, in, units] = dense_backprop_dims(ctx);
      const DType dtype = shape_fns::weight_gradient_dtype(ctx);
      ctx.set_output(0, dtype, Shape{units, in});
      ctx.set_output(1, dtype, Shape{units});
    })
    .cost_fn(matmul_cost);

}  // namespace graphrun

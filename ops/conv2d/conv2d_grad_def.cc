// The gradients of Conv2D (see conv2d_def.cc for y's definition), in PyTorch's terms the
// transposed convolution and the weight gradient. With g(f) = f / (F/G) and cg = C/G:
//   Conv2DBackpropInput:  dx[n, c, r, s] = sum over f in c's group, a, b, and output positions
//                         (i, j) with r = i*sh - ph + a*dh, s = j*sw - pw + b*dw of
//                         dy[n, f, i, j] * w[f, c - g(f)*cg, a, b]
//                         (input rows and columns no window reads, which the floor in the output
//                         size can leave at the bottom and right, get 0).
//   Conv2DBackpropFilter: dw[f, c, a, b] = sum over n, i, j of
//                         dy[n, f, i, j] * x[n, g(f)*cg + c, i*sh - ph + a*dh, j*sw - pw + b*dw]
//                         (x zero outside the input), and dbias[f] = sum over n, i, j of dy[n, f, i, j].
// Both take (x, weight, dy): the backward-data op reads only x's shape, so shapes never depend on
// batch-dependent attrs. dbias is always computed (a sum over dy, cheap next to dw); the
// gradient function of a Conv2D without bias ignores it. With bfloat16 inputs, float32_gradients
// writes dw and dbias in float32 as the kernel accumulated them, for float32 master weights (the
// mixed-precision pass sets it instead of casting a bfloat16 gradient back: one rounding and one
// pass over the weight's size fewer).
#include "core/kernel_registry.h"
#include "ops/common/shape_fns.h"
#include "ops/conv2d/conv2d_grad.h"

namespace graphrun {

Conv2DGeometry conv2d_backprop_geometry(const AttrMap& attrs, const Shape& x, const Shape& weight) {
  Conv2DGeometry g;
  g.n = x[0], g.c = x[1], g.h = x[2], g.w = x[3];
  g.filters = weight[0];
  g.groups = attrs.i("groups");
  g.kh = weight[2], g.kw = weight[3];
  auto stride = attrs.ints("stride"), pad = attrs.ints("pad"), dilation = attrs.ints("dilation");
  g.sh = stride.at(0), g.sw = stride.at(1);
  g.ph = pad.at(0), g.pw = pad.at(1);
  g.dh = dilation.at(0), g.dw = dilation.at(1);
  g.use_bias = true;  // Conv2DBackpropFilter always gives dbias
  g.oh = conv_output_size(g.h, g.kh, g.sh, g.ph, g.dh);
  g.ow = conv_output_size(g.w, g.kw, g.sw, g.pw, g.dw);
  return g;
}

namespace {

// Checks (x, weight, dy) against each other as the forward Conv2D's shape function would.
Conv2DGeometry checked_geometry(const InferenceContext& ctx) {
  const char* names[] = {"x", "weight", "dy"};
  const char* layouts[] = {"[N, C, H, W]", "[filters, C/groups, kh, kw]", "[N, filters, OH, OW]"};
  for (int i = 0; i < 3; ++i)
    if (ctx.input_shape(i).rank() != 4)
      ctx.error("input '{}' must have rank 4 {}, got shape {}", names[i], layouts[i], ctx.input_shape(i).str());
  ctx.expect_same_float_dtype();
  const Shape& weight = ctx.input_shape(1);
  Conv2DGeometry g = conv2d_backprop_geometry(ctx.attrs(), ctx.input_shape(0), weight);
  if (g.c % g.groups != 0) ctx.error("attr 'groups' = {} does not divide input channels {}", g.groups, g.c);
  if (g.filters % g.groups != 0)
    ctx.error("attr 'groups' = {} does not divide the weight's {} filters", g.groups, g.filters);
  if (weight[1] != g.c_per_group())
    ctx.error("weight has shape {} but x has {} channels in {} groups: expected {} input channels per filter",
              weight.str(), g.c, g.groups, g.c_per_group());
  if (g.oh < 1 || g.ow < 1)
    ctx.error("kernel {}x{} does not fit input {}x{} (pad {}x{}, dilation {}x{}, stride {}x{})", g.kh, g.kw, g.h, g.w,
              g.ph, g.pw, g.dh, g.dw, g.sh, g.sw);
  if (!(ctx.input_shape(2) == g.output_shape()))
    ctx.error("dy has shape {}, expected the Conv2D's output shape {}", ctx.input_shape(2).str(),
              g.output_shape().str());
  return g;
}

double conv_flops(const InferenceContext& ctx) {
  Conv2DGeometry g = conv2d_backprop_geometry(ctx.attrs(), ctx.input_shape(0), ctx.input_shape(1));
  return 2.0 * static_cast<double>(g.n) * g.filters * g.oh * g.ow * static_cast<double>(g.macs_per_output());
}

void backprop_input_shape(InferenceContext& ctx) {
  checked_geometry(ctx);
  ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0));
}

void backprop_filter_shape(InferenceContext& ctx) {
  Conv2DGeometry g = checked_geometry(ctx);
  const DType dtype = shape_fns::weight_gradient_dtype(ctx);
  ctx.set_output(0, dtype, ctx.input_shape(1));
  ctx.set_output(1, dtype, g.bias_shape());
}

}  // namespace

// Both ops declare the forward attrs they need as Conv2D declares them, so
// GradContext::forward_attrs copies them unchanged.
GR_REGISTER_OP("Conv2DBackpropInput")
    .doc("Gradient of Conv2D with respect to its input x (a transposed convolution of dy).")
    .input("x", "the Conv2D's input (only its shape is read)")
    .input("weight", "the Conv2D's weight [filters, C/groups, kh, kw]")
    .input("dy", "gradient of the Conv2D's output")
    .output("dx", "gradient of x, x's shape")
    .attr("stride", AttrType::kInts, attr_ints({1, 1}), "the Conv2D's stride [sh, sw]", checks::positive(), 2)
    .attr("pad", AttrType::kInts, attr_ints({0, 0}), "the Conv2D's padding [ph, pw]", checks::non_negative(), 2)
    .attr("dilation", AttrType::kInts, attr_ints({1, 1}), "the Conv2D's dilation [dh, dw]", checks::positive(), 2)
    .attr("groups", AttrType::kInt, attr_int(1), "the Conv2D's channel groups", checks::positive())
    .shape_fn(backprop_input_shape)
    .cost_fn([](const InferenceContext& ctx) { return Cost{conv_flops(ctx), shape_fns::io_bytes(ctx)}; });

GR_REGISTER_OP("Conv2DBackpropFilter")
    .doc("Gradients of Conv2D with respect to its weight and its bias.")
    .input("x", "the Conv2D's input")
    .input("weight", "the Conv2D's weight (only its shape is read: filters and kernel)")
    .input("dy", "gradient of the Conv2D's output")
    .output("dweight", "gradient of the weight, the weight's shape")
    .output("dbias", "gradient of the bias [filters]: dy summed over N, OH, OW")
    .attr("stride", AttrType::kInts, attr_ints({1, 1}), "the Conv2D's stride [sh, sw]", checks::positive(), 2)
    .attr("pad", AttrType::kInts, attr_ints({0, 0}), "the Conv2D's padding [ph, pw]", checks::non_negative(), 2)
    .attr("dilation", AttrType::kInts, attr_ints({1, 1}), "the Conv2D's dilation [dh, dw]", checks::positive(), 2)
    .attr("groups", AttrType::kInt, attr_int(1), "the Conv2D's channel groups", checks::positive())
    .attr("float32_gradients", AttrType::kBool, attr_bool(false),
          "with bfloat16 inputs, dweight and dbias in float32 (accumulated in float32, not rounded)")
    .float32_gradients_attr("float32_gradients")
    .shape_fn(backprop_filter_shape)
    .cost_fn([](const InferenceContext& ctx) {
      double dy = static_cast<double>(ctx.input_shape(2).num_elements());  // the bias sum
      return Cost{conv_flops(ctx) + dy, shape_fns::io_bytes(ctx)};
    });

}  // namespace graphrun

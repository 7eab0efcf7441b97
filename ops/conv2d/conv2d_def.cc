// Conv2D (cross-correlation, as PyTorch's nn.Conv2d and Caffe's Convolution):
//   y[n, f, i, j] = bias[f] + sum over c in group(f), a < kh, b < kw of
//                   w[f, c - g(f)*C/G, a, b] * x[n, c, i*sh - ph + a*dh, j*sw - pw + b*dw]
// where group(f) is the input channels [g(f)*C/G, (g(f)+1)*C/G) with g(f) = f / (F/G), and x is
// zero outside [0, H) x [0, W) (symmetric zero padding). Output size per axis, floor as PyTorch:
//   OH = (H + 2*ph - dh*(kh-1) - 1) / sh + 1.
// Layouts are PyTorch's: x NCHW, weight OIHW [filters, C/groups, kh, kw], bias [filters].
// The op is linear in x, w and b, so its gradients have no kinks; they are the ops
// Conv2DBackpropInput and Conv2DBackpropFilter (conv2d_grad_def.cc).
#include "core/gradient.h"
#include "core/kernel_registry.h"
#include "ops/common/conv_geometry.h"
#include "ops/common/shape_fns.h"

namespace graphrun {

namespace {

// Validates what the implicit parameters' shapes and the output shape depend on. The loader
// calls the parameter shape functions before the op's shape function, so both run this first
// and a bad node is reported the same way whichever asks.
Conv2DGeometry checked_geometry(const InferenceContext& ctx) {
  if (ctx.input_shape(0).rank() != 4)
    ctx.error("input 'x' must have rank 4 [N, C, H, W], got shape {}", ctx.input_shape(0).str());
  ctx.expect_same_float_dtype();
  Conv2DGeometry g = conv2d_geometry(ctx.attrs(), ctx.input_shape(0));
  if (g.c % g.groups != 0) ctx.error("attr 'groups' = {} does not divide input channels {}", g.groups, g.c);
  if (g.filters % g.groups != 0)
    ctx.error("attr 'groups' = {} does not divide attr 'filters' = {}", g.groups, g.filters);
  if (g.oh < 1 || g.ow < 1)
    ctx.error("kernel {}x{} does not fit input {}x{} (pad {}x{}, dilation {}x{}, stride {}x{}): output would be {}x{}",
              g.kh, g.kw, g.h, g.w, g.ph, g.pw, g.dh, g.dw, g.sh, g.sw, g.oh, g.ow);
  return g;
}

void check_param(const InferenceContext& ctx, int input, const char* name, const Shape& want, const char* layout) {
  const Shape& got = ctx.input_shape(input);
  if (!(got == want))
    ctx.error("{} (input {}) has shape {}, expected {} {}", name, input, got.str(), want.str(), layout);
}

void conv2d_shape(InferenceContext& ctx) {
  Conv2DGeometry g = checked_geometry(ctx);
  // After the loader, parameters are always explicit inputs: x, weight[, bias].
  int want_inputs = g.use_bias ? 3 : 2;
  if (ctx.num_inputs() != want_inputs)
    ctx.error("takes {} inputs (x, weight{}) once parameters are made explicit, got {}", want_inputs,
              g.use_bias ? ", bias" : "", ctx.num_inputs());
  check_param(ctx, 1, "weight", g.weight_shape(), "[filters, C/groups, kh, kw]");
  if (g.use_bias) check_param(ctx, 2, "bias", g.bias_shape(), "[filters]");
  ctx.set_output(0, ctx.input_dtype(0), g.output_shape());
}

Cost conv2d_cost(const InferenceContext& ctx) {
  Conv2DGeometry g = conv2d_geometry(ctx.attrs(), ctx.input_shape(0));
  double outputs = static_cast<double>(g.n) * g.filters * g.oh * g.ow;
  double flops = 2.0 * outputs * static_cast<double>(g.macs_per_output()) + (g.use_bias ? outputs : 0.0);
  return Cost{flops, shape_fns::io_bytes(ctx)};
}

// Conv2DRelu's: the convolution's, and one FLOP per output for the max (as Relu's cost counts).
Cost conv2d_relu_cost(const InferenceContext& ctx) {
  Cost cost = conv2d_cost(ctx);
  cost.flops += static_cast<double>(conv2d_geometry(ctx.attrs(), ctx.input_shape(0)).output_shape().num_elements());
  return cost;
}

// dx from Conv2DBackpropInput (the executor runs it only when someone needs it: not for the
// first layer's data input), dweight and dbias from Conv2DBackpropFilter's two outputs.
void conv2d_grad(GradContext& g) {
  AttrList attrs = g.forward_attrs({"stride", "pad", "dilation", "groups"});
  std::string dy = g.grad_output_or_zeros(0);
  std::vector<std::string> inputs{g.input(0), g.input(1), dy};
  g.set_grad_input(0, g.add("input", "Conv2DBackpropInput", inputs, attrs));
  std::string filter = g.add("filter", "Conv2DBackpropFilter", inputs, attrs);
  g.set_grad_input(1, filter);
  if (g.num_inputs() == 3) g.set_grad_input(2, filter + ":1");
}

// A grouped conv whose groups split evenly across the devices keeps a channel split with no
// communication (the paper's conv2, conv4, conv5); a conv with groups 1 reads all input
// channels, so each device gathers the whole input and computes its slice of the filters
// (conv1 on the replicated image, conv3 across the GPUs).
SplitDecision conv2d_split(const SplitContext& ctx) {
  int64_t groups = ctx.attrs.i("groups"), filters = ctx.attrs.i("filters");
  if (filters % ctx.parts != 0) return SplitDecision::run_whole();
  if (groups == 1) return split_rules::gather_then_split_features(ctx, "filters");
  if (groups % ctx.parts != 0) return SplitDecision::run_whole();
  SplitDecision d;
  d.sharded = true;
  d.inputs.assign(ctx.input_shapes.size(), Layout::split(0));
  d.inputs[0] = Layout::split(1);
  d.output_axis = 1;
  d.shard_attrs = [groups, filters](int, int parts) {
    return ShardAttrs{{"groups", attr_int(groups / parts)}, {"filters", attr_int(filters / parts)}};
  };
  return d;
}

// oneDNN's bf16 convolution blocks input channels by 16 (in pairs for vdpbf16ps): with fewer per
// group most of each block is padding, and AlexNet's conv1 (3 channels) took 60 ms in bf16
// against 14 ms in fp32 (batch 16, 2 cores). Such convolutions stay float32.
constexpr int64_t kMinBFloat16ChannelsPerGroup = 16;

bool enough_channels_for_bfloat16(const NodeInfo& node) {
  return node.inputs[0].shape[1] / node.attrs.i("groups") >= kMinBFloat16ChannelsPerGroup;
}

// What Conv2D and Conv2DRelu both take: the geometry attrs and the weight and bias parameters.
void geometry_and_parameters(OpDefBuilder& op) {
  op.attr("filters", AttrType::kInt, "number of output channels", checks::positive())
      .attr("kernel", AttrType::kInts, "kernel size [kh, kw] (one int for a square kernel)", checks::positive(), 2)
      .attr("stride", AttrType::kInts, attr_ints({1, 1}), "stride [sh, sw]", checks::positive(), 2)
      .attr("pad", AttrType::kInts, attr_ints({0, 0}), "symmetric zero padding [ph, pw]", checks::non_negative(), 2)
      .attr("dilation", AttrType::kInts, attr_ints({1, 1}), "kernel dilation [dh, dw] (1 = dense)", checks::positive(), 2)
      .attr("groups", AttrType::kInt, attr_int(1), "channel groups (AlexNet conv2, conv4, conv5: 2)", checks::positive())
      .attr("use_bias", AttrType::kBool, attr_bool(true), "whether a bias is added")
      .param(ParamSpec{.name = "weight",
                       .shape = [](const InferenceContext& ctx) { return checked_geometry(ctx).weight_shape(); },
                       .default_init = attr_init_xavier(),
                       .enabled_by = ""})
      .param(ParamSpec{.name = "bias",
                       .shape = [](const InferenceContext& ctx) { return checked_geometry(ctx).bias_shape(); },
                       .default_init = attr_init_constant(0),
                       .enabled_by = "use_bias"});
}

}  // namespace

GR_REGISTER_OP("Conv2D")
    .doc(
        "2-D convolution (cross-correlation) over NCHW input with OIHW weights, grouped and dilated "
        "as PyTorch's nn.Conv2d; parameters may be given as inputs or created as <node>/weight, <node>/bias.")
    .input("x", "input [N, C, H, W]")
    .output("y", "output [N, filters, OH, OW]")
    .with(geometry_and_parameters)
    .attr("weight_init", AttrType::kInit, attr_init_xavier(), "initializer of the implicit weight")
    .attr("bias_init", AttrType::kInit, attr_init_constant(0), "initializer of the implicit bias")
    .shape_fn(conv2d_shape)
    .cost_fn(conv2d_cost)
    .split(split_rules::per_sample(conv2d_split))
    .bfloat16(BFloat16Behaviour::kComputes, enough_channels_for_bfloat16)
    .grad(conv2d_grad);

// Conv2D followed by Relu as one node, the way TF's grappler remapper makes _FusedConv2D and
// oneDNN runs it: the ReLU is a post-op applied while each output block is still in registers,
// so the convolution's output is never written and read back by a separate pass. Made only by
// runtime/passes/fuse_activations.h (conv2d_cpu.cc's oneDNN kernel declares that it absorbs a
// Relu), after autodiff (so it needs no gradient: the backward reads the Relu's output, which this
// node now produces), on CPU nodes, with its parameters as inputs.
GR_REGISTER_OP("Conv2DRelu")
    .doc("Conv2D then Relu in one kernel (made by the activation-fusion pass; inputs x, weight[, bias]).")
    .input("x", "input [N, C, H, W]")
    .output("y", "max(Conv2D(x), 0) [N, filters, OH, OW]")
    .with(geometry_and_parameters)
    .shape_fn(conv2d_shape)
    .cost_fn(conv2d_relu_cost);

}  // namespace graphrun

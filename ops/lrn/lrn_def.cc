// LRN (local response normalization across channels, AlexNet section 3.3), in the convention of
// ONNX, cuDNN, Caffe, oneDNN and PyTorch, where alpha is divided by size:
//   y[n, c, h, w] = x[n, c, h, w] / (bias + alpha / size * sum_{j in window(c)} x[n, j, h, w]^2)^beta
//   window(c) = [c - size/2, c + size/2] clipped to the channels of c's group.
// The C channels form `groups` contiguous blocks of C / groups and no window crosses a block:
// the paper's LRN normalizes only over the kernel maps on the same GPU, so its one-device form
// is LRN with groups 2. groups 1 is PyTorch's nn.LocalResponseNorm. The paper's constants here:
// size 5, alpha 5e-4 (= 1e-4 * 5), beta 0.75, bias 2.
// size must be odd: with an even size ONNX and PyTorch put the extra channel on different sides.
// No kinks: y is smooth wherever bias + alpha / size * sum is positive (bias > 0 suffices).
// LRNGrad(dy, x), with d[c] = bias + alpha / size * sum_{window(c)} x^2 (all at one n, h, w):
//   dx[j] = dy[j] * d[j]^-beta - 2 beta alpha / size * x[j] * sum_{c : j in window(c)} dy[c] x[c] d[c]^(-beta-1)
// where j in window(c) exactly when c in window(j) (same group, |c - j| <= size / 2).
#include "core/gradient.h"
#include "core/kernel_registry.h"
#include "ops/common/shape_fns.h"

namespace graphrun {

namespace {

std::string positive_odd(const proto::Attr& a) {
  if (a.i() <= 0) return "must be positive";
  if (a.i() % 2 == 0)
    return "must be odd (an even window is centred differently by ONNX and PyTorch, so it is refused)";
  return "";
}

// Checks input x (rank 4, channels split evenly into groups) and gives dx / y its shape.
void check_x(InferenceContext& ctx, int x) {
  ctx.expect_same_float_dtype();
  ctx.expect_rank(x, 4);
  const int64_t channels = ctx.input_shape(x)[1], groups = ctx.attrs().i("groups");
  if (channels % groups != 0) ctx.error("attr 'groups' = {} does not divide input channels {}", groups, channels);
  ctx.set_output(0, ctx.input_dtype(x), ctx.input_shape(x));
}

void lrn_shape(InferenceContext& ctx) { check_x(ctx, 0); }

void lrn_grad_shape(InferenceContext& ctx) {
  check_x(ctx, 1);
  if (!(ctx.input_shape(0) == ctx.input_shape(1)))
    ctx.error("dy has shape {}, expected x's shape {}", ctx.input_shape(0).str(), ctx.input_shape(1).str());
}

Cost lrn_cost(const InferenceContext& ctx) {
  // Per element: size squares and adds, then scale, add, pow and divide.
  const double per_element = 2.0 * static_cast<double>(ctx.attrs().i("size")) + 4.0;
  return Cost{per_element * static_cast<double>(ctx.output(0).shape.num_elements()), shape_fns::io_bytes(ctx)};
}

Cost lrn_grad_cost(const InferenceContext& ctx) {
  // The forward's work again for d, then per element a window sum of dy x d^(-beta-1) and ~6 more.
  const double per_element = 4.0 * static_cast<double>(ctx.attrs().i("size")) + 10.0;
  return Cost{per_element * static_cast<double>(ctx.output(0).shape.num_elements()), shape_fns::io_bytes(ctx)};
}

// The attrs LRN and LRNGrad share.
void lrn_attrs(OpDefBuilder& op) {
  op.attr("size", AttrType::kInt, attr_int(5), "channels in the window (odd)", positive_odd)
      .attr("alpha", AttrType::kFloat, attr_float(1e-4), "scale; divided by size")
      .attr("beta", AttrType::kFloat, attr_float(0.75), "exponent")
      .attr("bias", AttrType::kFloat, attr_float(1.0), "additive constant (the paper's k)")
      .attr("groups", AttrType::kInt, attr_int(1), "contiguous channel blocks the window never crosses",
            checks::positive());
}

}  // namespace

GR_REGISTER_OP("LRN")
    .doc(
        "Local response normalization across channels (alpha divided by size, as ONNX/PyTorch), within "
        "`groups` contiguous channel blocks.")
    .input("x", "[N, C, H, W]")
    .output("y", "same shape as x")
    .with(lrn_attrs)
    .shape_fn(lrn_shape)
    .cost_fn(lrn_cost)
    .bfloat16(BFloat16Behaviour::kFollows)
    // Within channel groups, a split that cuts only between groups needs no neighbour's channels.
    .split(split_rules::per_sample([](const SplitContext& ctx) {
      int64_t groups = ctx.attrs.i("groups");
      if (groups % ctx.parts != 0) return SplitDecision::run_whole();
      SplitDecision d = split_rules::channels(ctx);
      d.shard_attrs = [groups](int, int parts) { return ShardAttrs{{"groups", attr_int(groups / parts)}}; };
      return d;
    }))
    .grad([](GradContext& g) {
      g.set_grad_input(0, g.add("lrn", "LRNGrad", {g.grad_output(0), g.input(0)},
                                g.forward_attrs({"size", "alpha", "beta", "bias", "groups"})));
    });

GR_REGISTER_OP("LRNGrad")
    .doc("Gradient of LRN (the exact derivative; see lrn_def.cc).")
    .input("dy", "gradient of the LRN's output")
    .input("x", "the LRN's input")
    .output("dx", "same shape as x")
    .with(lrn_attrs)
    .shape_fn(lrn_grad_shape)
    .cost_fn(lrn_grad_cost);

}  // namespace graphrun

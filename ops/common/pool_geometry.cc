#include "ops/common/pool_geometry.h"

#include <fmt/ranges.h>

#include <algorithm>

#include "ops/common/shape_fns.h"

namespace graphrun::pool {

namespace {

// Integer division rounding toward -infinity or +infinity (C++ truncates toward zero, which
// would turn a kernel slightly larger than the input into a 1-element output).
int64_t div_floor(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
int64_t div_ceil(int64_t a, int64_t b) { return -div_floor(-a, b); }

// stride [] means "same as kernel" (PyTorch); a single int in the file arrives as one value.
std::array<int64_t, 2> stride_of(const AttrMap& attrs, const std::array<int64_t, 2>& kernel) {
  std::vector<int64_t> s = attrs.ints("stride");
  if (s.empty()) return kernel;
  if (s.size() == 1) return {s[0], s[0]};
  return {s[0], s[1]};
}

}  // namespace

int64_t output_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad, bool ceil_mode) {
  int64_t span = in + 2 * pad - kernel;
  int64_t out = (ceil_mode ? div_ceil(span, stride) : div_floor(span, stride)) + 1;
  if (ceil_mode && out > 0 && (out - 1) * stride >= in + pad) --out;
  return out;
}

int64_t Geometry::onednn_pad_r(int d) const {
  // Any pad_r in [needed, needed + stride) gives the same size; never less than pad keeps
  // oneDNN's descriptor symmetric (and non-negative) in the usual floor-mode case.
  int64_t needed = (out[d] - 1) * stride[d] + kernel[d] - in[d] - pad[d];
  return std::max(needed, pad[d]);
}

Geometry geometry(const AttrMap& attrs, const Shape& input) {
  Geometry g;
  std::vector<int64_t> k = attrs.ints("kernel"), p = attrs.ints("pad");
  GR_CHECK(k.size() == 2 && p.size() == 2, "kernel {} and pad {} must have 2 values", k.size(), p.size());
  g.kernel = {k[0], k[1]};
  g.pad = {p[0], p[1]};
  g.stride = stride_of(attrs, g.kernel);
  g.ceil_mode = attrs.b("ceil_mode");
  for (int d = 0; d < 2; ++d) {
    g.in[d] = input.dim(2 + d);
    g.out[d] = output_size(g.in[d], g.kernel[d], g.stride[d], g.pad[d], g.ceil_mode);
  }
  return g;
}

namespace {

// Checks the attrs against input `x` (rank 4) and returns the pooled shape, naming the sizes
// involved when the kernel does not fit.
Shape pooled_shape(const InferenceContext& ctx, int x_input) {
  ctx.expect_rank(x_input, 4);
  const AttrMap& attrs = ctx.attrs();
  std::vector<int64_t> stride = attrs.ints("stride");
  if (stride.size() > 2)
    ctx.error("attr 'stride' needs 2 values (or none: same as kernel), got [{}]", fmt::join(stride, ","));
  std::vector<int64_t> kernel = attrs.ints("kernel"), pad = attrs.ints("pad");
  for (int d = 0; d < 2; ++d)
    if (pad[d] > kernel[d] / 2)
      ctx.error("pad {}x{} must be at most half of kernel {}x{} (as PyTorch), or a window could hold only padding",
                pad[0], pad[1], kernel[0], kernel[1]);

  const Shape& x = ctx.input_shape(x_input);
  Geometry g = geometry(attrs, x);
  if (g.out[0] < 1 || g.out[1] < 1)
    ctx.error("kernel {}x{} does not fit input {}x{} (stride {}x{}, pad {}x{}{}): output would be {}x{}", g.kernel[0],
              g.kernel[1], g.in[0], g.in[1], g.stride[0], g.stride[1], g.pad[0], g.pad[1],
              g.ceil_mode ? ", ceil mode" : "", g.out[0], g.out[1]);
  return Shape{x[0], x[1], g.out[0], g.out[1]};
}

}  // namespace

void infer_shape(InferenceContext& ctx) {
  ctx.expect_same_float_dtype();
  ctx.set_output(0, ctx.input_dtype(0), pooled_shape(ctx, 0));
}

void infer_grad_shape(InferenceContext& ctx) {
  ctx.expect_same_float_dtype();
  Shape y = pooled_shape(ctx, 1);
  if (!(ctx.input_shape(0) == y))
    ctx.error("dy has shape {}, expected the pooling's output shape {} for x {}", ctx.input_shape(0).str(), y.str(),
              ctx.input_shape(1).str());
  ctx.set_output(0, ctx.input_dtype(1), ctx.input_shape(1));
}

void window_attrs(OpDefBuilder& op) {
  op.attr("kernel", AttrType::kInts, "window [kh, kw]", checks::positive(), 2)
      .attr("stride", AttrType::kInts, attr_ints({}), "[sh, sw]; empty means same as kernel", checks::positive(), 0)
      .attr("pad", AttrType::kInts, attr_ints({0, 0}), "[ph, pw] on both sides, at most kernel / 2",
            checks::non_negative(), 2)
      .attr("ceil_mode", AttrType::kBool, attr_bool(false), "round the output size up (PyTorch's rule)");
}

Cost cost(const InferenceContext& ctx) {
  std::vector<int64_t> kernel = ctx.attrs().ints("kernel");
  double per_output = static_cast<double>(kernel[0]) * static_cast<double>(kernel[1]);
  return Cost{per_output * static_cast<double>(ctx.output(0).shape.num_elements()), shape_fns::io_bytes(ctx)};
}

Cost grad_cost(const InferenceContext& ctx) {
  std::vector<int64_t> kernel = ctx.attrs().ints("kernel");
  double per_dy = static_cast<double>(kernel[0]) * static_cast<double>(kernel[1]);
  return Cost{per_dy * static_cast<double>(ctx.input_shape(0).num_elements()), shape_fns::io_bytes(ctx)};
}

}  // namespace graphrun::pool

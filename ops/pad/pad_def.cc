// Pad: constant padding, y = x surrounded by `value`, pads[d] elements before dimension d and
// pads[rank + d] after it (ONNX's layout: all begins, then all ends). No negative pads (cropping
// is Slice's job). Gradient: the part of dy where x lies, a Slice (no arithmetic, no kink).
#include <fmt/ranges.h>

#include "core/gradient.h"
#include "core/kernel_registry.h"
#include "ops/common/shape_fns.h"

namespace graphrun {

namespace {

std::string non_negative(const proto::Attr& a) {
  for (int64_t v : a.ints().v())
    if (v < 0) return fmt::format("has {}; pads must be >= 0 (crop with Slice)", v);
  return "";
}

void pad_shape(InferenceContext& ctx) {
  if (!is_floating(ctx.input_dtype(0))) ctx.error("input 0 must be float32 or float64, got {}", dtype_name(ctx.input_dtype(0)));
  const Shape& x = ctx.input_shape(0);
  std::vector<int64_t> pads = ctx.attrs().ints("pads");
  if (static_cast<int>(pads.size()) != 2 * x.rank())
    ctx.error("attr 'pads' = [{}] has {} values; input 0 has rank {} (shape {}), so it needs {} (begins, then ends)",
              fmt::join(pads, ", "), pads.size(), x.rank(), x.str(), 2 * x.rank());
  std::vector<int64_t> dims(x.rank());
  for (int d = 0; d < x.rank(); ++d) dims[d] = x[d] + pads[d] + pads[x.rank() + d];
  ctx.set_output(0, ctx.input_dtype(0), Shape(dims));
}

// Data parallelism needs every sample padded alone: no padding along the batch.
SplitDecision pad_split(const SplitContext& ctx) {
  std::vector<int64_t> pads = ctx.attrs.ints("pads");
  const size_t rank = pads.size() / 2;
  if (!ctx.batch_parallel || rank == 0 || pads[0] != 0 || pads[rank] != 0) return SplitDecision::run_whole();
  return split_rules::batch(ctx);
}

}  // namespace

GR_REGISTER_OP("Pad")
    .doc("Constant padding: pads[d] values before and pads[rank + d] after each dimension d.")
    .input("x")
    .output("y")
    .attr("pads", AttrType::kInts, "per dimension: all begins, then all ends (ONNX's layout)", non_negative)
    .attr("value", AttrType::kFloat, attr_float(0.0), "the padding value")
    .shape_fn(pad_shape)
    .cost_fn([](const InferenceContext& ctx) { return Cost{0, shape_fns::io_bytes(ctx)}; })
    .split(pad_split)
    .grad([](GradContext& g) {
      std::vector<int64_t> pads = g.attrs().ints("pads");
      const Shape& x = g.input_info(0).shape;
      std::vector<int64_t> begin(pads.begin(), pads.begin() + x.rank()), size(x.rank());
      // -1 ("to the end") where nothing was padded after, so no batch size is baked in there.
      for (int d = 0; d < x.rank(); ++d) size[d] = pads[x.rank() + d] == 0 ? -1 : x[d];
      g.set_grad_input(0, g.add("pad", "Slice", {g.grad_output(0)}, {{"begin", attr_ints(begin)}, {"size", attr_ints(size)}}));
    });

}  // namespace graphrun

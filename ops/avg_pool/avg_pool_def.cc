// AvgPool: y[n, c, i, j] = sum of x[n, c] over the kh x kw window at (i * sh - ph, j * sw - pw),
// divided as PyTorch's avg_pool2d divides (no divisor_override):
//   count_include_pad = true:  the window's cells inside the PADDED input [-ph, H + ph), so
//                              padding counts but a ceil-mode overhang beyond it does not;
//   count_include_pad = false: only the real cells [0, H).
// pad <= kernel / 2 keeps every window over at least one real cell, so the divisor is >= 1.
// Output size is PyTorch's (see MaxPool). The op is linear: no kinks.
// AvgPoolGrad(dy, x): dx[r, c] = sum over the windows holding real cell (r, c) of dy / divisor,
// the same divisor as the forward; x gives only the shape.
#include "core/gradient.h"
#include "core/kernel_registry.h"
#include "ops/common/pool_geometry.h"

namespace graphrun {

GR_REGISTER_OP("AvgPool")
    .doc("2-D average pooling over NCHW input, PyTorch semantics (ceil_mode, count_include_pad as PyTorch).")
    .input("x", "[N, C, H, W]")
    .output("y", "[N, C, out_h, out_w]")
    .with(pool::window_attrs)
    .attr("count_include_pad", AttrType::kBool, attr_bool(true), "padding cells count in the divisor")
    .shape_fn(pool::infer_shape)
    .cost_fn(pool::cost)
    .split(split_rules::per_sample(split_rules::channels))
    .grad([](GradContext& g) {
      g.set_grad_input(0, g.add("avg_pool", "AvgPoolGrad", {g.grad_output(0), g.input(0)},
                                g.forward_attrs({"kernel", "stride", "pad", "ceil_mode", "count_include_pad"})));
    });

GR_REGISTER_OP("AvgPoolGrad")
    .doc("Gradient of AvgPool: each dy spread over its window's real cells, divided as the forward divides.")
    .input("dy", "gradient of the AvgPool's output")
    .input("x", "the AvgPool's input (only its shape is read)")
    .output("dx", "same shape as x")
    .with(pool::window_attrs)
    .attr("count_include_pad", AttrType::kBool, attr_bool(true), "padding cells count in the divisor")
    .shape_fn(pool::infer_grad_shape)
    .cost_fn(pool::grad_cost);

}  // namespace graphrun

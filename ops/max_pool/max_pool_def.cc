// MaxPool: y[n, c, i, j] = max over the kh x kw window at (i * sh - ph, j * sw - pw) of x[n, c],
// as PyTorch's max_pool2d (dilation 1). Padding counts as -infinity; pad <= kernel / 2 means
// every window holds at least one real cell, so no output is -infinity.
// Output size is PyTorch's: floor_or_ceil((H + 2 ph - kh) / sh) + 1, and in ceil mode a last
// window that would start inside the bottom/right padding is dropped.
// Gradient convention: the whole gradient goes to the FIRST maximum of the window in row-major
// order (a strict > scan; PyTorch and cuDNN also pick one element).
// MaxPoolGrad(dy, x) recomputes each window's maximum from x and adds dy there; windows that
// overlap (3x3 stride 2) add into the same dx cell.
// NaN: the reference kernel propagates a NaN in the window, as PyTorch does; oneDNN's kernel
// skips it (measured on oneDNN 2.6), so only the reference is NaN-faithful.
#include "core/gradient.h"
#include "core/kernel_registry.h"
#include "ops/common/pool_geometry.h"

namespace graphrun {

GR_REGISTER_OP("MaxPool")
    .doc("2-D max pooling over NCHW input, PyTorch semantics (padding is -inf, ceil_mode as PyTorch).")
    .input("x", "[N, C, H, W]")
    .output("y", "[N, C, out_h, out_w]")
    .with(pool::window_attrs)
    .shape_fn(pool::infer_shape)
    .cost_fn(pool::cost)
    .split(split_rules::per_sample(split_rules::channels))
    .bfloat16(BFloat16Behaviour::kFollows)
    .grad([](GradContext& g) {
      g.set_grad_input(0, g.add("max_pool", "MaxPoolGrad", {g.grad_output(0), g.input(0)},
                                g.forward_attrs({"kernel", "stride", "pad", "ceil_mode"})));
    });

GR_REGISTER_OP("MaxPoolGrad")
    .doc("Gradient of MaxPool: each dy goes to the first maximum (row-major) of its window in x.")
    .input("dy", "gradient of the MaxPool's output")
    .input("x", "the MaxPool's input")
    .output("dx", "same shape as x")
    .with(pool::window_attrs)
    .shape_fn(pool::infer_grad_shape)
    .cost_fn(pool::grad_cost);

}  // namespace graphrun

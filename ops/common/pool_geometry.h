// 2-D pooling geometry shared by MaxPool and AvgPool and their gradients: the attrs
// kernel, stride, pad, ceil_mode read once, PyTorch's output-size rule, and the extra right /
// bottom padding oneDNN needs to produce the same output size in ceil mode.
#pragma once

#include <array>

#include "core/op_registry.h"

namespace graphrun::pool {

struct Geometry {
  std::array<int64_t, 2> in{};      // input H, W
  std::array<int64_t, 2> out{};     // output H, W
  std::array<int64_t, 2> kernel{};  // kh, kw
  std::array<int64_t, 2> stride{};
  std::array<int64_t, 2> pad{};  // PyTorch's symmetric padding (top, left = bottom, right)
  bool ceil_mode = false;

  // First input row (d = 0) or column (d = 1) of output index o; may be negative (padding).
  int64_t start(int d, int64_t o) const { return o * stride[d] - pad[d]; }
  // Right/bottom padding that makes oneDNN's size rule, floor((in + pad + pad_r - k) / s) + 1,
  // give `out`. Larger than pad only where a ceil-mode window hangs past the padded input.
  int64_t onednn_pad_r(int d) const;
  // True where the last window reaches beyond the padded input, past row / column in + pad
  // (only possible in ceil mode).
  bool overhangs(int d) const { return start(d, out[d] - 1) + kernel[d] > in[d] + pad[d]; }
};

// PyTorch's rule: out = floor_or_ceil((in + 2 pad - k) / s) + 1, and in ceil mode a last window
// that would start inside the right padding is dropped. May return < 1 (the caller reports it).
int64_t output_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad, bool ceil_mode);

// The geometry of a node whose attrs and input shape were validated by infer_shape.
Geometry geometry(const AttrMap& attrs, const Shape& input);

// Shape function of MaxPool and AvgPool: x [N, C, H, W] -> y [N, C, out_h, out_w]. Checks
// stride's length, pad <= kernel / 2 (PyTorch's rule, so no window is all padding) and that the
// output is not empty, naming the sizes involved.
void infer_shape(InferenceContext& ctx);
// Shape function of MaxPoolGrad and AvgPoolGrad: (dy, x) -> dx shaped as x, with x checked as
// infer_shape checks it and dy required to be the forward's output shape for x.
void infer_grad_shape(InferenceContext& ctx);

// The attrs every pooling op and its gradient share: kernel, stride, pad, ceil_mode.
void window_attrs(OpDefBuilder& op);

// kh * kw flops per output element.
Cost cost(const InferenceContext& ctx);
// kh * kw flops per dy element (the window is scanned or spread over once per dy).
Cost grad_cost(const InferenceContext& ctx);

}  // namespace graphrun::pool

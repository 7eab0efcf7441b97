// Geometry of a 2-D convolution in PyTorch's convention, shared by the Conv2D shape function and
// its kernels so they cannot disagree about an output size or a weight layout.
#pragma once

#include <cstdint>
#include <string>

#include "core/attrs.h"
#include "core/shape.h"

namespace graphrun {

// PyTorch's output size along one axis: floor((in + 2*pad - dilation*(kernel-1) - 1) / stride) + 1.
// Returns 0 when the dilated kernel does not fit the padded input (C++ division truncates toward
// zero, so a negative numerator must not reach it), and saturates instead of overflowing on
// absurd attrs from a hostile graph file (the shape's element count check then refuses it).
int64_t conv_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad, int64_t dilation);

// Everything about one Conv2D node, read from its attrs and its input shape [N, C, H, W].
struct Conv2DGeometry {
  int64_t n = 0, c = 0, h = 0, w = 0;  // input
  int64_t filters = 0, groups = 1;
  int64_t kh = 0, kw = 0, sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1;
  int64_t oh = 0, ow = 0;  // output, possibly < 1 when the kernel does not fit
  bool use_bias = true;

  int64_t c_per_group() const { return c / groups; }
  int64_t f_per_group() const { return filters / groups; }
  Shape weight_shape() const { return Shape{filters, c / groups, kh, kw}; }
  Shape bias_shape() const { return Shape{filters}; }
  Shape output_shape() const { return Shape{n, filters, oh, ow}; }
  // Multiply-adds per output element (bias add not included).
  int64_t macs_per_output() const { return c_per_group() * kh * kw; }
};

// Reads the attrs; `input` must have rank 4 (the caller checks and names the problem).
Conv2DGeometry conv2d_geometry(const AttrMap& attrs, const Shape& input);

}  // namespace graphrun

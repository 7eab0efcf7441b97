// What several op folders' ONNX import converters share: axes, ONNX's 2-D padding as graphrun's
// symmetric one, same-shape binary ops. No op is named here: the callers pass theirs.
#include <fmt/ranges.h>

#include "core/onnx/onnx_importer.h"

namespace graphrun::onnx_import {

using Dims = std::vector<int64_t>;

int64_t normalized_axis(int64_t axis, int64_t rank) {
  int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) refuse("attr 'axis' = {} is out of range for rank {}", axis, rank);
  return a;
}

Dims hw_of(const Dims& x) {
  if (x.size() != 4) refuse("input must be 4-D [N, C, H, W], got rank {}", x.size());
  if (x[2] < 0 || x[3] < 0) refuse("input's height and width must be known numbers");
  return {x[2], x[3]};
}

Dims symmetric_pads(const OnnxNode& n, const Dims& in_hw, const Dims& kernel, const Dims& strides,
                    const Dims& dilations) {
  std::string auto_pad = n.s("auto_pad", "NOTSET");
  Dims pads = n.ints("pads", {0, 0, 0, 0});
  if (auto_pad == "VALID") {
    pads = {0, 0, 0, 0};
  } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    for (int d = 0; d < 2; ++d) {
      int64_t out = (in_hw[d] + strides[d] - 1) / strides[d];
      int64_t total = std::max<int64_t>(0, (out - 1) * strides[d] + (kernel[d] - 1) * dilations[d] + 1 - in_hw[d]);
      int64_t small = total / 2, big = total - small;
      pads[d] = auto_pad == "SAME_UPPER" ? small : big;
      pads[d + 2] = auto_pad == "SAME_UPPER" ? big : small;
    }
  } else if (auto_pad != "NOTSET") {
    refuse("attr 'auto_pad' = {} is not an ONNX value", auto_pad);
  }
  if (pads.size() != 4) refuse("attr 'pads' has {} values; graphrun takes 2-D windows (4 values)", pads.size());
  Dims folded = n.folded_pads(0);  // a zero Pad upstream, folded in by the Pad converter
  for (size_t j = 0; j < folded.size(); ++j) pads[j] += folded[j];
  if (pads[0] != pads[2] || pads[1] != pads[3])
    refuse("{}pads [{}] are asymmetric; graphrun pads both sides of an axis equally",
           auto_pad == "NOTSET" ? "" : "auto_pad " + auto_pad + " gives ", fmt::join(pads, ", "));
  return {pads[0], pads[1]};
}

void convert_same_shape_binary(OnnxNode& n, const std::string& op) {
  if (n.dims(0) != n.dims(1))
    refuse("inputs of shapes [{}] and [{}]: graphrun's {} does not broadcast", fmt::join(n.dims(0), ", "),
           fmt::join(n.dims(1), ", "), op);
  n.emit(op, {n.data(0), n.data(1)});
}

bool all_inputs_int_const(const OnnxNode& n) {
  for (int k = 0; k < n.num_inputs(); ++k)
    if (!n.int_const(k).has_value()) return false;
  return true;
}

}  // namespace graphrun::onnx_import

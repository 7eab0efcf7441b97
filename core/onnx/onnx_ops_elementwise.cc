// Converters of the elementwise ONNX ops: Add and Mul (same shapes: graphrun does not
// broadcast), LeakyRelu, Clip (bounds as attrs before opset 11, as inputs known at load time
// from 11 on) and BatchNormalization in inference mode, whose statistics fold at load time
// into a per-channel ScaleShift: scale = gamma / sqrt(var + eps), shift = beta - mean * scale.
#include <fmt/ranges.h>

#include <cmath>
#include <limits>

#include "core/onnx/onnx_importer.h"
#include "core/onnx/onnx_tensor.h"

namespace graphrun::onnx_import {

void convert_same_shape_binary(OnnxNode& n, const std::string& op) {
  if (n.dims(0) != n.dims(1))
    refuse("inputs of shapes [{}] and [{}]: graphrun's {} does not broadcast", fmt::join(n.dims(0), ", "),
           fmt::join(n.dims(1), ", "), op);
  n.emit(op, {n.data(0), n.data(1)});
}

void convert_leaky_relu(OnnxNode& n) {
  proto::Node& node = n.emit("LeakyRelu", {n.data(0)});
  add_attr(node, "alpha").set_f(n.f("alpha", 0.01f));
}

void convert_clip(OnnxNode& n) {
  float bounds[2] = {std::numeric_limits<float>::lowest(), std::numeric_limits<float>::max()};
  const char* names[2] = {"min", "max"};
  for (int k = 0; k < 2; ++k) {
    if (n.version() < 11) {
      bounds[k] = n.f(names[k], bounds[k]);
    } else if (n.has_input(k + 1)) {
      const onnx::TensorProto* t = n.float_const(k + 1);
      if (!t)
        refuse("input {} '{}' ({}) is computed at run time; graphrun's Clip takes bounds known at load time "
               "(an initializer or Constant)",
               k + 1, n.proto().input(k + 1), names[k]);
      bounds[k] = scalar_float(*t);
    }
  }
  if (bounds[0] > bounds[1]) refuse("min {} is above max {}", bounds[0], bounds[1]);
  proto::Node& clip = n.emit("Clip", {n.data(0)});
  add_attr(clip, "min").set_f(bounds[0]);
  add_attr(clip, "max").set_f(bounds[1]);
}

void convert_batch_normalization(OnnxNode& n) {
  if (n.version() < 9 && n.i("spatial", 1) != 1)
    refuse("attr 'spatial' = 0 (statistics per element, not per channel) is not supported");
  if (n.version() >= 14 && n.i("training_mode", 0) != 0)
    refuse("attr 'training_mode' = 1 (batch statistics): graphrun imports BatchNormalization for inference, with "
           "the running mean and variance");
  for (int k = 1; k < n.proto().output_size(); ++k)
    if (n.output_used(k)) refuse("output {} (a running statistic) is used; only the normalized output is supported", k);
  std::vector<int64_t> x = n.dims(0);
  if (x.size() < 2 || x[1] < 0) refuse("input 0 must be [N, C, ...] with a known channel count");
  const char* names[4] = {"scale", "B", "input_mean", "input_var"};
  std::vector<double> p[4];
  for (int k = 0; k < 4; ++k) {
    const onnx::TensorProto* t = n.float_const(k + 1);
    if (!t)
      refuse("input {} '{}' ({}) is computed at run time; graphrun folds the statistics into a per-channel scale and "
             "shift at load time, so it must be an initializer or Constant",
             k + 1, n.has_input(k + 1) ? n.proto().input(k + 1) : "", names[k]);
    p[k] = float_values(*t, n.proto().input(k + 1));
    if (static_cast<int64_t>(p[k].size()) != x[1])
      refuse("input {} ({}) has {} values, the input has {} channels", k + 1, names[k], p[k].size(), x[1]);
  }
  const double epsilon = n.f("epsilon", 1e-5f);
  std::vector<double> scale(x[1]), shift(x[1]);
  for (int64_t c = 0; c < x[1]; ++c) {
    if (p[3][c] + epsilon <= 0) refuse("channel {}: variance {} + epsilon {} is not positive", c, p[3][c], epsilon);
    scale[c] = p[0][c] / std::sqrt(p[3][c] + epsilon);
    shift[c] = p[1][c] - p[2][c] * scale[c];
  }
  proto::DataType dtype = graphrun_dtype(*n.float_const(1));
  std::string s = n.computed_weight("scale", vector_tensor(scale, dtype, {x[1]}));
  std::string b = n.computed_weight("shift", vector_tensor(shift, dtype, {x[1]}));
  n.emit("ScaleShift", {n.data(0), s, b});
}

}  // namespace graphrun::onnx_import

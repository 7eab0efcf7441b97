// ONNX's BatchNormalization in inference mode imports as a ScaleShift: its statistics fold at
// load time into a per-channel scale = gamma / sqrt(var + eps) and shift = beta - mean * scale.
// ScaleShift exports as BatchNormalization with mean 0, var 1 and epsilon 0, which is exactly
// x * scale + shift (the schema puts no bound on epsilon, and the variance keeps the root positive).
#include <cmath>

#include "core/onnx/onnx_registry.h"
#include "core/onnx/onnx_tensor.h"

namespace graphrun {

namespace {

using namespace onnx_import;

void import_batch_normalization(OnnxNode& n) {
  if (n.version() < 9 && n.i("spatial", 1) != 1)
    refuse("attr 'spatial' = 0 (statistics per element, not per channel) is not supported");
  if (n.version() >= 14 && n.i("training_mode", 0) != 0)
    refuse(
        "attr 'training_mode' = 1 (batch statistics): graphrun imports BatchNormalization for inference, with "
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
      refuse(
          "input {} '{}' ({}) is computed at run time; graphrun folds the statistics into a per-channel scale and "
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

void export_scale_shift(onnx_export::ExportNode& x) {
  const std::string& name = x.node().name;
  const TensorInfo& in = x.input_info(0);
  const int64_t channels = in.shape[1];
  std::vector<std::string> inputs = x.inputs();
  auto& n = x.add("BatchNormalization",
                  {inputs[0], inputs[1], inputs[2],
                   x.float_initializer(name + "/mean", in.dtype, {channels}, std::vector<double>(channels, 0.0)),
                   x.float_initializer(name + "/var", in.dtype, {channels}, std::vector<double>(channels, 1.0))});
  onnx_export::set_float(n, "epsilon", 0.0);
}

GR_ONNX_IMPORT("BatchNormalization", import_batch_normalization, 7, 9, 14, 15);
GR_ONNX_EXPORT("ScaleShift", export_scale_shift);

}  // namespace

}  // namespace graphrun

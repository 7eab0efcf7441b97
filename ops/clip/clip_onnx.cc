// Clip as ONNX's Clip, both ways: bounds as attrs before opset 11, as inputs from 11 on (graphrun
// takes them known at load time and exports them as scalar initializers of the input's type).
#include <limits>

#include "core/onnx/onnx_registry.h"
#include "core/onnx/onnx_tensor.h"

namespace graphrun {

namespace {

using namespace onnx_import;

void import_clip(OnnxNode& n) {
  float bounds[2] = {std::numeric_limits<float>::lowest(), std::numeric_limits<float>::max()};
  const char* names[2] = {"min", "max"};
  for (int k = 0; k < 2; ++k) {
    if (n.version() < 11) {
      bounds[k] = n.f(names[k], bounds[k]);
    } else if (n.has_input(k + 1)) {
      const onnx::TensorProto* t = n.float_const(k + 1);
      if (!t)
        refuse(
            "input {} '{}' ({}) is computed at run time; graphrun's Clip takes bounds known at load time "
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

void export_clip(onnx_export::ExportNode& x) {
  const Node& node = x.node();
  const DType dtype = x.input_info(0).dtype;
  x.add("Clip", {x.inputs()[0], x.float_initializer(node.name + "/min", dtype, {}, {node.attrs.f("min")}),
                 x.float_initializer(node.name + "/max", dtype, {}, {node.attrs.f("max")})});
}

GR_ONNX_IMPORT("Clip", import_clip, 6, 11, 12, 13);
GR_ONNX_EXPORT("Clip", export_clip);

}  // namespace

}  // namespace graphrun

// Conv2D as ONNX's Conv, both ways. ONNX pads are [begin..., end...] and may be asymmetric
// (graphrun pads both sides equally); the weight is OIHW in both and must be an initializer.
#include <fmt/ranges.h>

#include "core/onnx/onnx_registry.h"

namespace graphrun {

namespace {

using Dims = std::vector<int64_t>;
using namespace onnx_import;

void import_conv(OnnxNode& n) {
  Dims x = n.dims(0), hw = hw_of(x);
  const onnx::TensorProto* w = n.float_const(1);
  if (!w) refuse("the weight (input 1) must be an initializer");
  if (w->dims_size() != 4) refuse("the weight has rank {}; graphrun convolves 2-D (OIHW weights)", w->dims_size());
  Dims kernel{w->dims(2), w->dims(3)};
  if (n.has_attr("kernel_shape") && n.ints("kernel_shape") != kernel)
    refuse("attr 'kernel_shape' [{}] differs from the weight's [{}]", fmt::join(n.ints("kernel_shape"), ", "),
           fmt::join(kernel, ", "));
  Dims strides = n.ints("strides", {1, 1}), dilations = n.ints("dilations", {1, 1});
  if (strides.size() != 2 || dilations.size() != 2) refuse("strides and dilations must have 2 values");
  Dims pad = symmetric_pads(n, hw, kernel, strides, dilations);
  std::vector<std::string> inputs{n.data(0), n.weight(1)};
  bool bias = n.has_input(2);
  if (bias) inputs.push_back(n.weight(2));
  proto::Node& conv = n.emit("Conv2D", inputs);
  add_attr(conv, "filters").set_i(w->dims(0));
  ints_attr(conv, "kernel", kernel);
  ints_attr(conv, "stride", strides);
  ints_attr(conv, "pad", pad);
  ints_attr(conv, "dilation", dilations);
  add_attr(conv, "groups").set_i(n.i("group", 1));
  add_attr(conv, "use_bias").set_b(bias);
}

void export_conv(onnx_export::ExportNode& x) {
  const AttrMap& a = x.node().attrs;
  auto& n = x.add("Conv", x.inputs());
  Dims pad = a.ints("pad");
  onnx_export::set_ints(n, "kernel_shape", a.ints("kernel"));
  onnx_export::set_ints(n, "strides", a.ints("stride"));
  onnx_export::set_ints(n, "pads", {pad[0], pad[1], pad[0], pad[1]});
  onnx_export::set_ints(n, "dilations", a.ints("dilation"));
  onnx_export::set_int(n, "group", a.i("groups"));
}

GR_ONNX_IMPORT("Conv", import_conv, 1, 11);
GR_ONNX_EXPORT("Conv2D", export_conv);

}  // namespace

}  // namespace graphrun

// LeakyRelu as ONNX's LeakyRelu, both ways. Not the declarative mapping: an ONNX node without
// alpha means ONNX's float32 0.01, which the import writes out rather than leave graphrun's
// (double) default to apply.
#include "core/onnx/onnx_registry.h"

namespace graphrun {

namespace {

void import_leaky_relu(onnx_import::OnnxNode& n) {
  proto::Node& node = n.emit("LeakyRelu", {n.data(0)});
  onnx_import::add_attr(node, "alpha").set_f(n.f("alpha", 0.01f));
}

void export_leaky_relu(onnx_export::ExportNode& x) {
  onnx_export::set_float(x.add("LeakyRelu", x.inputs()), "alpha", x.node().attrs.f("alpha"));
}

GR_ONNX_IMPORT("LeakyRelu", import_leaky_relu, 6, 16);
GR_ONNX_EXPORT("LeakyRelu", export_leaky_relu);

}  // namespace

}  // namespace graphrun

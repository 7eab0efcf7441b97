// Softmax as ONNX's Softmax, both ways. Before opset 13 ONNX flattens the input to 2-D at `axis`:
// the same as graphrun's per-axis Softmax only at the last axis.
#include "core/onnx/onnx_registry.h"

namespace graphrun {

namespace {

using namespace onnx_import;

void import_softmax(OnnxNode& n) {
  int64_t rank = static_cast<int64_t>(n.dims(0).size());
  int64_t axis = normalized_axis(n.i("axis", n.version() < 13 ? 1 : -1), rank);
  if (n.version() < 13 && axis != rank - 1)
    refuse(
        "Softmax-{} with axis {} on rank {} normalizes over all dimensions from the axis on; graphrun's Softmax "
        "normalizes one axis (re-export at opset 13 or later)",
        n.version(), axis, rank);
  proto::Node& s = n.emit("Softmax", {n.data(0)});
  add_attr(s, "axis").set_i(axis);
}

void export_softmax(onnx_export::ExportNode& x) {
  onnx_export::set_int(x.add("Softmax", x.inputs()), "axis", x.node().attrs.i("axis"));
}

GR_ONNX_IMPORT("Softmax", import_softmax, 1, 11, 13);
GR_ONNX_EXPORT("Softmax", export_softmax);

}  // namespace

}  // namespace graphrun

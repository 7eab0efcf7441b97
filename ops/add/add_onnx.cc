// Add as ONNX's Add, both ways (same shapes: graphrun does not broadcast, so ONNX's broadcast does
// nothing), and AddN exported as ONNX's Sum.
#include "core/onnx/onnx_registry.h"

namespace graphrun {

namespace {

void import_add(onnx_import::OnnxNode& n) { onnx_import::convert_same_shape_binary(n, "Add"); }
void export_add(onnx_export::ExportNode& x) { x.add("Add", x.inputs()); }
void export_add_n(onnx_export::ExportNode& x) { x.add("Sum", x.inputs()); }

GR_ONNX_IMPORT("Add", import_add, 7, 13, 14);
GR_ONNX_EXPORT("Add", export_add);
GR_ONNX_EXPORT("AddN", export_add_n);

}  // namespace

}  // namespace graphrun

// Mul as ONNX's Mul, both ways (same shapes: graphrun does not broadcast, so ONNX's broadcast does
// nothing).
#include "core/onnx/onnx_registry.h"

namespace graphrun {

namespace {

void import_mul(onnx_import::OnnxNode& n) { onnx_import::convert_same_shape_binary(n, "Mul"); }
void export_mul(onnx_export::ExportNode& x) { x.add("Mul", x.inputs()); }

GR_ONNX_IMPORT("Mul", import_mul, 7, 13, 14);
GR_ONNX_EXPORT("Mul", export_mul);

}  // namespace

}  // namespace graphrun

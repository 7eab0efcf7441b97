// Identity as ONNX's Identity, both ways. An Identity of a value known at load time (PyTorch's
// exporter de-duplicates equal weights so) is no node: its output is that value.
#include "core/onnx/onnx_registry.h"

namespace graphrun {

namespace {

void import_identity(onnx_import::OnnxNode& n) {
  if (n.float_const(0) || n.int_const(0)) {
    n.alias_output(0, n.proto().input(0));
    return;
  }
  n.emit("Identity", {n.data(0)});
}

void export_identity(onnx_export::ExportNode& x) { x.add("Identity", x.inputs()); }

GR_ONNX_IMPORT("Identity", import_identity, 1, 13, 14, 16);
GR_ONNX_EXPORT("Identity", export_identity);

}  // namespace

}  // namespace graphrun

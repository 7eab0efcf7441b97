// A Placeholder is a graph input of the ONNX model (the batch as a symbolic dimension), never an
// output of it.
#include "core/onnx/onnx_registry.h"

namespace graphrun {

namespace {

void export_placeholder(onnx_export::ExportNode& x) { x.graph_input(); }

GR_ONNX_EXPORT("Placeholder", {.convert = export_placeholder, .source = true});

}  // namespace

}  // namespace graphrun

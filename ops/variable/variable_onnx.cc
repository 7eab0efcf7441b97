// A Variable is an initializer of the ONNX model holding its weights, never an output of it.
#include "core/onnx/onnx_registry.h"

namespace graphrun {

namespace {

void export_variable(onnx_export::ExportNode& x) { x.initializer(); }

GR_ONNX_EXPORT("Variable", {.convert = export_variable, .source = true});

}  // namespace

}  // namespace graphrun

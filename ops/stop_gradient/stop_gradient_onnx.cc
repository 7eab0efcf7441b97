// StopGradient exports as ONNX's Identity: an inference model has no gradients to stop.
#include "core/onnx/onnx_registry.h"

namespace graphrun {

namespace {

void export_stop_gradient(onnx_export::ExportNode& x) { x.add("Identity", x.inputs()); }

GR_ONNX_EXPORT("StopGradient", export_stop_gradient);

}  // namespace

}  // namespace graphrun

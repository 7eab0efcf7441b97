// The window attrs MaxPool and AveragePool share in ONNX, both ways, checked against what
// graphrun's pooling computes (ops/common/pool_geometry.h): ceil_mode sizes differ where a window
// starts in the padding (ONNX 1.12 keeps it, PyTorch and graphrun drop it).
#pragma once

#include "core/onnx/onnx_registry.h"

namespace graphrun::pool {

// An ONNX MaxPool or AveragePool node as graphrun's `op` with its window attrs.
proto::Node& import_pool_window(onnx_import::OnnxNode& n, const std::string& op);
// The window attrs of a graphrun pooling node onto the ONNX node `n`.
void export_pool_window(const onnx_export::ExportNode& x, onnx::NodeProto& n);

}  // namespace graphrun::pool

// MaxPool as ONNX's MaxPool, both ways (the window attrs: ops/common/pool_onnx.h).
#include "ops/common/pool_onnx.h"

namespace graphrun {

namespace {

void import_max_pool(onnx_import::OnnxNode& n) { pool::import_pool_window(n, "MaxPool"); }

void export_max_pool(onnx_export::ExportNode& x) { pool::export_pool_window(x, x.add("MaxPool", x.inputs())); }

GR_ONNX_IMPORT("MaxPool", import_max_pool, 1, 8, 10, 11, 12);
GR_ONNX_EXPORT("MaxPool", export_max_pool);

}  // namespace

}  // namespace graphrun

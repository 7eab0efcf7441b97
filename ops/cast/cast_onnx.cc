// ONNX's Cast is taken only on integers known at load time (shape arithmetic, folded:
// core/onnx/onnx_fold.cc); graphrun's Cast has no ONNX export yet.
#include "core/onnx/onnx_registry.h"

namespace graphrun {

namespace {

GR_ONNX_IMPORT("Cast", onnx_import::fold_int_cast, 6, 9, 13);

}  // namespace

}  // namespace graphrun

// Relu is ONNX's Relu, both ways: one node, no attrs (the declarative mapping, core/onnx/onnx_mapping.h).
#include "core/onnx/onnx_mapping.h"

namespace {

GR_ONNX_MAPPING("Relu", "", "Relu", 6, 13, 14);

}  // namespace

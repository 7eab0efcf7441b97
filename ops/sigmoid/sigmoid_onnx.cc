// Sigmoid is ONNX's Sigmoid, both ways: one node, no attrs (the declarative mapping, core/onnx/onnx_mapping.h).
#include "core/onnx/onnx_mapping.h"

namespace {

GR_ONNX_MAPPING("Sigmoid", "", "Sigmoid", 6, 13);

}  // namespace

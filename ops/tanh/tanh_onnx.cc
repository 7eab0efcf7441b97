// Tanh is ONNX's Tanh, both ways: one node, no attrs (the declarative mapping, core/onnx/onnx_mapping.h).
#include "core/onnx/onnx_mapping.h"

namespace {

GR_ONNX_MAPPING("Tanh", "", "Tanh", 6, 13);

}  // namespace

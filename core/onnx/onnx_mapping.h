// The declarative ONNX mapping: an op that is exactly one ONNX node of (domain, op type), its
// data inputs and outputs in order and its attrs the op's own by name (int, float, string, bool
// as an int, ints, floats, strings). One generic converter each way serves every such op: import
// makes the node this op, an ONNX attr the op does not declare is refused by name; export writes
// the op's attrs, and a domain other than ONNX's into the model's opset_import. Built-in ops
// declare it with GR_ONNX_MAPPING, plugins through GrHostApi::op_onnx. This header has no ONNX
// types, so the plugin ABI (core/plugin_api.cc) can use it.
#pragma once

#include <string>
#include <vector>

#include "core/op_registry.h"

namespace graphrun {

struct OnnxMapping {
  std::string op;       // graphrun's op
  std::string domain;   // "" for ONNX's own
  std::string op_type;  // the ONNX op type
  std::vector<int> since_versions;
};

// Throws Error (saying which converter is there) when the op has an export converter or
// (domain, op type) an import converter already; registers nothing then.
void check_onnx_mapping(const OnnxMapping& mapping);
// Registers both converters (after check_onnx_mapping's checks).
void declare_onnx_mapping(const OnnxMapping& mapping);

struct OnnxMappingRegistrar {
  explicit OnnxMappingRegistrar(const OnnxMapping& mapping) { declare_onnx_mapping(mapping); }
};

}  // namespace graphrun

// GR_ONNX_MAPPING("Relu", "", "Relu", 6, 13, 14): graphrun's Relu is ONNX's Relu, attrs by name.
#define GR_ONNX_MAPPING(op, domain, op_type, ...)          \
  static const ::graphrun::OnnxMappingRegistrar GR_CONCAT( \
      gr_onnx_mapping_, __COUNTER__)(::graphrun::OnnxMapping{op, domain, op_type, {__VA_ARGS__}})

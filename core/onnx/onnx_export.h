// Writing a graph and its weights as an ONNX model that ONNX Runtime loads: the inference part
// only (a loss and its labels, and ops that are the identity at inference, are left out),
// graphrun's ops as their exact ONNX equivalents (each op folder's export converter,
// ops/<op>/<op>_onnx.cc), the batch as a symbolic dimension, weights as raw-data initializers.
// The result passes ONNX's checker before it is written.
#pragma once

#include <string>

#include "core/graph.h"
#include "core/variable_store.h"

namespace graphrun {

struct OnnxExportOptions {
  int opset = 14;  // 13 to 17
};

// Exports `graph` (as loaded, not compiled) with the values in `weights`; returns the number of
// nodes written. Ops without an ONNX equivalent are all named in one error.
int export_onnx(const Graph& graph, const VariableStore& weights, const std::string& path,
                const OnnxExportOptions& options = {});

}  // namespace graphrun

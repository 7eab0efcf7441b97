// ONNX models as graphs: an .onnx file loads into the same proto::Graph a graph file gives, so
// everything after loading (shapes, autodiff, passes, executor) does not know where it came
// from. Initializers become Variables carrying their value (attr `value`), so every subcommand
// starts from the model's weights and a --weights file overrides them.
#pragma once

#include <map>
#include <string>

#include "core/proto/graph.pb.h"
#include "core/tensor.h"

namespace graphrun {

// Whether a path names an ONNX model (by its extension, ".onnx").
bool is_onnx_path(const std::string& path);

// Reads, checks and converts an ONNX model. Every node graphrun cannot take is reported in one
// error (index, name, op, domain, the model's opset and the version it resolved to, why, and
// what is supported).
proto::Graph import_onnx(const std::string& path);

// Moves the values Variables carry out of the graph (keyed by variable name), leaving them their
// default initializer: `convert model.onnx model.pbtxt` writes the graph
// and these as model.npz.
std::map<std::string, Tensor> take_initial_values(proto::Graph& graph);

// The ONNX ops the importer maps, each with the op versions it handles ("Conv-1,11").
std::vector<std::string> onnx_supported_ops();

}  // namespace graphrun

// What the graph passes that rewrite nodes for graphrun's own oneDNN kernels (activation fusion,
// float32 weight gradients) ask first: a plugin's kernel of higher priority, or a dtype oneDNN
// has no kernel for, would not understand the rewritten node.
#pragma once

#include <string>

#include "core/graph.h"

namespace graphrun {

// Whether the kernel that will run `op` at `dtype` on this node's device is graphrun's built-in
// oneDNN one (false for every device but the CPU).
bool runs_builtin_onednn(const Node& node, const std::string& op, DType dtype);

}  // namespace graphrun

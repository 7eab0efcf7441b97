// The activation-fusion pass (after partition, before the blocked layouts): a node whose kernel
// declares that it absorbs an activation (KernelDef::fusions) and whose only reader is such an
// activation node becomes, with it, the fused op the kernel names, taking the node's attrs that
// the fused op declares. Today that is oneDNN's Conv2D kernel: a CPU Conv2D whose only reader is
// a Relu becomes one Conv2DRelu node (ops/conv2d/conv2d_def.cc):
// oneDNN applies the ReLU as a post-op while the convolution's output is still in registers, so
// the separate pass over the largest activations (read, then written again) is gone. As TF's
// grappler remapper names its fused node after the activation, the fused node takes the Relu's
// name: every reader of the Relu's output, ReluGrad included (it reads the Relu's output, not
// its input), reads the fused node's with no rewiring, and the values are the same to the bit
// (oneDNN's post-op computes the same max(y, 0) on the same y).
//
// It runs after autodiff, so the backward graph is already there and Conv2DRelu needs no
// gradient; the Conv2D node's name is gone from the compiled graph (the backward nodes read its
// inputs, not its output). It leaves alone: a node whose kernel declares no such fusion (a
// plugin's of higher priority, a dtype or device without graphrun's oneDNN kernel), an activation
// whose kernel is another library's than its op's, a pair whose fused op has no kernel there,
// a Conv2D with any other reader (data or control), and the nodes in `keep` (whose own
// outputs someone fetches by name: `graphrun run --fetch conv1`).
#pragma once

#include <set>
#include <string>

#include "core/graph.h"

namespace graphrun {

// Returns the graph with the pairs fused (the same graph when none are); `fused` (if not null)
// counts them. A kernel label ("reference") disables the pass, as it disables the blocked layouts.
Graph fuse_activations(const Graph& graph, const std::set<std::string>& keep = {}, const std::string& kernel_label = "",
                       int* fused = nullptr);

}  // namespace graphrun

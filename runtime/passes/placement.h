// The placement pass: every node gets a device, and every node is checked to have a kernel
// there, at load time rather than mid-step. The rules, in order:
//   1. a device written on the node wins (it must be one of the run's devices);
//   2. a Variable goes where its first reader was placed explicitly;
//   3. any other node follows its first input; graph inputs and the rest go to the first device.
// Gradient nodes and optimizer updates need no rule of their own: autodiff gives each backward
// node its forward node's device and the optimizer gives each update its variable's device
// (core/gradient.cc, runtime/train/training_graph.cc), so they colocate whatever placed the
// forward graph.
#pragma once

#include <string>
#include <vector>

#include "core/device.h"
#include "core/graph.h"
#include "core/kernel_registry.h"

namespace graphrun {

// "cpu:0,cpu:1" -> devices; throws on a bad name, a repeat, or an empty list.
std::vector<DeviceName> parse_device_list(const std::string& text);
std::string device_list_str(const std::vector<DeviceName>& devices);

void place(Graph& graph, const std::vector<DeviceName>& devices, const std::string& kernel_label = "");

// What a kernel for node i is built for (its inputs' and outputs' shapes, its device).
NodeInfo make_node_info(const Graph& graph, int i, const DeviceName& fallback_device);

}  // namespace graphrun

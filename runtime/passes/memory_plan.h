// Peak memory of a step per device, known before it runs (`graphrun place`, `bench`): the
// variables (weights and optimizer slots, resident all along), the fed inputs, and the largest
// set of tensors alive at once when the step's nodes run one after another in the graph's
// topological order under the executor's release rule (runtime/exec/executor.h): an output
// lives from its node until the last node that reads it has run; fetched outputs and Send
// outputs live to the end of the step; views (Reshape, Identity, ...) share their input's
// buffer and keep it alive. The executor runs independent nodes side by side, so a real step can
// peak somewhat higher than this sequential plan; kernels' scratch space is not counted.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/graph.h"

namespace graphrun {

struct DeviceMemoryPlan {
  double variable_bytes = 0;  // Variables (weights, momentum) on the device
  double feed_bytes = 0;      // fed Placeholders on the device
  double peak_bytes = 0;      // variables + feeds + the largest live set of the step
  std::string peak_node;      // the node during whose run the peak is reached
};

// `needed`: the nodes the step runs (Graph::ancestors_of its fetches and targets); `kept`: the
// fetched tensors. Nodes without a device count toward `default_device`.
std::map<std::string, DeviceMemoryPlan> plan_memory(const Graph& graph, const std::vector<bool>& needed,
                                                    const std::vector<TensorRef>& kept,
                                                    const std::string& default_device = "cpu:0");

// The plan of a step that fetches `fetches` (tensor or node names, kept to the end) and runs
// `targets` (nodes, such as the optimizer's updates).
std::map<std::string, DeviceMemoryPlan> plan_step_memory(const Graph& graph, const std::vector<std::string>& fetches,
                                                         const std::vector<std::string>& targets,
                                                         const std::string& default_device = "cpu:0");

// Fails, before anything is allocated, when the planned peaks of the devices sharing one physical
// memory (Device::memory_space()) add up to more than it holds, naming `what` ("a training step of
// 'alexnet' at batch 4096"), the need and the size, instead of a failed allocation mid-step or
// the OOM killer.
void check_memory_fits(const std::map<std::string, DeviceMemoryPlan>& plans, const std::string& what);

// The input whose buffer output `output` of the node is, as its op declares (OpTraits::
// first_aliased_input: a view, a Send's tensor, a variable updated in place), or -1 when the
// output has a buffer of its own.
int aliased_input(const Node& node, int output);

}  // namespace graphrun

// What `graphrun place` prints: per device its nodes, parameters, FLOPs and memory, and every
// cross-device transfer of one step with its bytes, for the nodes that step runs.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/graph.h"
#include "runtime/passes/split.h"

namespace graphrun {

struct DeviceReport {
  std::string name;
  int64_t nodes = 0;
  int64_t parameters = 0;  // elements of trainable Variables
  double flops = 0;        // per step
  double variable_bytes = 0;  // weights and optimizer slots
  double peak_bytes = 0;      // planned peak of the step (runtime/passes/memory_plan.h)
  std::string peak_node;      // where the peak is reached
};

struct TransferReport {
  std::string tensor;  // the tensor sent
  std::string from, to;
  int64_t bytes = 0;
  std::string consumer;     // the logical node that needs it
  std::string pass;         // "forward", "backward" or "update"
  std::string gradient_of;  // backward: the forward tensor whose gradient this is
};

struct PlacementReport {
  std::vector<DeviceReport> devices;
  std::vector<TransferReport> transfers;
};

// `graph` is compiled (placed and partitioned); `run` are the fetches and targets of the step.
struct BackwardInfo {
  std::map<std::string, std::string> gradient_of;  // gradient tensor -> forward tensor
  std::map<std::string, std::string> forward_of;   // backward node -> forward node
};

PlacementReport report_placement(const Graph& graph, const std::vector<std::string>& devices, const SplitInfo& split,
                                 const BackwardInfo& backward, const std::vector<std::string>& run);

}  // namespace graphrun

// Where a step's time goes, from the executor's node timings (ExecutorOptions::profile) over
// several runs: a table by op type and of the slowest nodes (what Caffe's `caffe time` prints
// per layer), and a Chrome trace (chrome://tracing or ui.perfetto.dev) with one row per device
// and host thread, which shows the flow graph running nodes side by side.
#pragma once

#include <string>
#include <vector>

#include "core/graph.h"
#include "runtime/exec/executor.h"

namespace graphrun {

class Profile {
 public:
  // `devices`: each graph node's device name ("cpu:0"), by node index.
  Profile(const Graph& graph, std::vector<std::string> devices);
  void add_run(const std::vector<NodeTiming>& timings);

  int runs() const { return static_cast<int>(runs_.size()); }
  // Milliseconds a run spends in nodes, summed over every node (threads add up), per run.
  double node_ms_per_run() const;
  // Time per run by op type, then the `top` slowest nodes, with their share of node time.
  std::string table(int top) const;
  // Chrome trace event format, the runs one after another as they happened.
  std::string chrome_trace() const;

 private:
  const Graph& graph_;
  std::vector<std::string> devices_;
  std::vector<std::vector<NodeTiming>> runs_;
};

}  // namespace graphrun

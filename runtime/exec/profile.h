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
  // Wall time of a run, from its first node's start to its last node's end, per run.
  double step_ms_per_run() const;
  // Floating-point operations of the nodes that ran (their ops' cost functions), per run.
  double flops_per_run() const;
  double step_gflops() const;  // flops_per_run over step_ms_per_run

  struct OpType {
    std::string op;
    double ms_per_run = 0;     // node time, summed over the op's nodes
    double flops_per_run = 0;
    int nodes = 0;             // distinct nodes of this op that ran
    // What the op's nodes achieve while they run. Nodes that ran side by side shared the cores,
    // so this is what each got, not what the op would get alone.
    double gflops() const { return ms_per_run > 0 ? flops_per_run / ms_per_run / 1e6 : 0; }
  };
  // By op type, the most time first.
  std::vector<OpType> op_types() const;

  // Time and GFLOP/s per run by op type, then the `top` slowest nodes, with their share of node
  // time; the whole step's GFLOP/s and, given `peak_gflops` (> 0), its share of that peak.
  std::string table(int top, double peak_gflops = 0) const;
  // Chrome trace event format, the runs one after another as they happened.
  std::string chrome_trace() const;

 private:
  const Graph& graph_;
  std::vector<std::string> devices_;
  std::vector<std::vector<NodeTiming>> runs_;
};

}  // namespace graphrun

// The passes between a loaded model and the executor, in order: split (when there is more
// than one device), placement, partition, the activation fusion (runtime/passes/
// fuse_activations.h), the blocked layouts of CPU activations. Training runs the same passes
// with autodiff and the optimizer between placement and partition
// (runtime/train/compile_training.h, which builds on these).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "core/device.h"
#include "core/graph.h"
#include "runtime/passes/gradient_exchange.h"
#include "runtime/passes/rank_exchange.h"
#include "runtime/passes/split.h"

namespace graphrun {

struct CompileOptions {
  std::vector<DeviceName> devices = {DeviceName{}};  // cpu:0
  std::string kernel_label;                          // checked by placement: "reference" forces those
  // How several devices share the work: the model split (the AlexNet paper's), replicas each on a
  // share of the batch, or the two mixed (runtime/passes/split.h).
  Parallelism parallel = Parallelism::kModel;
  // Training: one FusedApplyMomentum per device instead of one ApplyMomentum per variable
  // (runtime/passes/fuse_updates.h); the same values either way.
  bool fuse_updates = true;
  // Training across processes: the gradients' mean over the ranks (runtime/passes/rank_exchange.h).
  RankExchange ranks;
  // Training, replicated variables: their gradients summed by AddN or DeviceAllReduce nodes
  // (runtime/passes/gradient_exchange.h; by default NCCL's between distinct GPUs, AddN elsewhere).
  ReplicaSum replica_sum = ReplicaSum::kAuto;
  // CPU activations between oneDNN kernels kept in oneDNN's channel-blocked layout, last
  // (runtime/passes/blocked_layout.h); off: every tensor plain, each kernel reorders its own.
  bool blocked_layouts = true;
  // Each CPU Conv2D read only by a Relu fused with it into one Conv2DRelu (runtime/passes/
  // fuse_activations.h), except the nodes in `fetched` (whose own outputs a caller fetches by name).
  bool fuse_activations = true;
  std::set<std::string> fetched;
};

struct CompiledGraph {
  Graph graph;  // placed and partitioned
  SplitInfo split;
};

// --devices "cpu:0,cpu:1" and --parallel "model|data|hybrid" as compile options.
CompileOptions compile_options_for(const std::string& devices, const std::string& parallel);

CompiledGraph compile_inference(const Graph& model, const CompileOptions& options);
// Split and placed, before partition (what `graphrun dot --placement` draws).
CompiledGraph compile_placed(const Graph& model, const CompileOptions& options);

// A graph file (a pass's output) built as IR at `batch_size`.
Graph rebuild_graph(const proto::Graph& graph, int64_t batch_size);

}  // namespace graphrun

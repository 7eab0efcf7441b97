// The executor: one oneTBB flow-graph node per op, built once per set of fetched tensors and
// reused for every run. Only the ancestors of the fetched tensors run (as in TF's Session), so
// evaluating logits does not need the labels a loss would read. An exception in a node stops
// the run (later nodes skip their work) and is rethrown naming the node.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/graph.h"
#include "core/kernel_registry.h"
#include "core/variable_store.h"

namespace graphrun {

struct ExecutorOptions {
  std::string device = "cpu:0";  // for nodes that name none
  uint64_t seed = 0;
  std::string kernel_label;      // force kernels with this label ("reference"), "" = best
  // Scan every floating output for NaN and Inf after its node runs; the first node to produce
  // one fails the run, naming itself, before any later node (or optimizer update) runs.
  bool check_numerics = false;
  // Without check_numerics: scan only these nodes' outputs. The trainer lists the loss and the
  // gradients the updates read, a read of the parameters' size per step instead of every
  // activation's, and re-runs a failing step with check_numerics to name the first node.
  std::vector<std::string> check_numerics_nodes;
  // Intermediate tensors go back to their allocator as soon as the last node of the run that
  // reads them has run (or been enqueued, on a GPU), so the peak is the live set, not the sum of
  // every tensor of the step. The allocators cache blocks by size class (core/block_cache.h), so
  // the next step gets the same blocks back without a system call or a page fault, and on a GPU
  // stream order makes the reuse safe. Off: every output keeps its buffer from run to run.
  bool release_intermediates = true;
  // Times every node of every run (graphrun bench --profile; read with last_run_profile()): the
  // wall time of its kernel on the CPU. On a GPU a node holds its device from before its enqueue
  // (the stream drained) to after a synchronize, so its time is its own kernels' and the step runs
  // one node at a time there, as Caffe's `caffe time` measures layers.
  bool profile = false;
};

// One node's run (ExecutorOptions::profile).
struct NodeTiming {
  int node = -1;        // graph node index
  int thread = 0;       // a small id of the host thread that ran it (0, 1, ... in order of first use)
  double start_us = 0;  // microseconds since the executor was made
  double end_us = 0;
};

class Executor {
 public:
  // Compiles `graph` at its batch size: kernels chosen and created, variables initialized.
  Executor(Graph graph, VariableStore& variables, ExecutorOptions options = {});
  ~Executor();

  // Runs the graph. `feeds` by Placeholder name; a batch size other than the compiled one
  // recompiles for it. Returns copies of the fetched tensors ("node" or "node:k"); `targets`
  // are nodes that must run though nothing of theirs is fetched (the optimizer's updates).
  std::vector<Tensor> run(const std::map<std::string, Tensor>& feeds, const std::vector<std::string>& fetches,
                          bool training = false, int64_t step = 0, const std::vector<std::string>& targets = {});

  // How many of the last run's `targets` ran to completion: 0 after a failed training step means
  // no optimizer update touched a variable, so the variables are still those of the last good
  // step (the trainer then saves them).
  int last_run_targets_done() const { return last_targets_done_; }
  // Whether the last run failed because a node produced NaN or Inf (check_numerics): the model
  // is diverging, so the state before that run is no state worth saving either.
  bool last_run_non_finite() const { return last_non_finite_; }

  // The nodes the last run ran, in the order they started (empty unless options.profile).
  const std::vector<NodeTiming>& last_run_profile() const { return last_profile_; }

  const Graph& graph() const { return graph_; }
  const KernelDef& kernel(int node) const { return *kernel_defs_.at(node); }
  // Where a node runs: its placement, or the executor's default device for an unplaced graph.
  const DeviceName& device_of(const std::string& node) const { return infos_.at(graph_.index(node)).device; }
  void set_batch_size(int64_t batch);
  // Switches ExecutorOptions::check_numerics (every node) on or off between runs.
  void set_check_numerics(bool every_node) { options_.check_numerics = every_node; }

 private:
  struct Plan;
  Plan& plan_for(const std::vector<TensorRef>& fetches);
  // Which outputs the plan releases, and when (ExecutorOptions::release_intermediates).
  void plan_releases(Plan& plan, const std::vector<TensorRef>& fetches, const std::vector<bool>& needed);
  // Before `node` runs: an output its op lets reuse an input's buffer (OpDef::reuse_input) takes
  // that buffer over when this node is its last reader and nothing shares it; `inputs` then
  // point at the output, so the kernel sees one tensor as both.
  void reuse_inputs(Plan& plan, int node, std::vector<const Tensor*>& inputs);
  // After `node` has run: releases the outputs whose last reader it was, and its unread ones.
  void release_after(Plan& plan, int node);
  // A node's kernel, run by its flow-graph node (synchronous kernels).
  void run_node(Plan& plan, int node);
  // A node's inputs (control producers on other streams waited for, buffers taken over).
  std::vector<const Tensor*> node_inputs(Plan& plan, int node);
  void record_timing(Plan& plan, int node, std::chrono::steady_clock::time_point started);
  // After a node's kernel has finished (on whichever thread finished it): events, the numerics
  // check, targets counted, outputs released.
  void node_done(Plan& plan, int node);
  // The first failure of a run is kept (naming the node); later nodes skip their work.
  void node_failed(Plan& plan, int node, const std::exception& e);
  // An asynchronous kernel's node (OpKernel::asynchronous): started here, finished by its callback.
  struct AsyncGateway;  // oneTBB's gateway of the node's async_node (executor.cc)
  void start_async(Plan& plan, int node, AsyncGateway gateway);
  void create_kernels();
  void check_feeds(const Plan& plan, const std::map<std::string, Tensor>& feeds) const;

  Graph graph_;
  VariableStore& variables_;
  ExecutorOptions options_;
  std::vector<NodeInfo> infos_;
  std::vector<const KernelDef*> kernel_defs_;
  std::vector<char> scanned_;  // by node: in options_.check_numerics_nodes
  std::vector<std::unique_ptr<OpKernel>> kernels_;
  std::vector<std::vector<Tensor>> outputs_;
  std::map<std::vector<TensorRef>, std::unique_ptr<Plan>> plans_;
  std::chrono::steady_clock::time_point created_ = std::chrono::steady_clock::now();
  std::vector<NodeTiming> last_profile_;
  int last_targets_done_ = 0;
  bool last_non_finite_ = false;
  std::map<const Device*, std::mutex> profile_locks_;  // by GPU: one profiled node at a time
};

}  // namespace graphrun

#include "runtime/train/compile_training.h"

#include <set>
#include <string>

#include "runtime/passes/blocked_layout.h"
#include "runtime/passes/fuse_activations.h"
#include "runtime/passes/fuse_updates.h"
#include "runtime/passes/mixed_precision.h"
#include "runtime/passes/partition.h"
#include "runtime/passes/placement.h"

namespace graphrun {

CompiledTraining compile_training(const Graph& model, const OptimizerSettings& optimizer,
                                  const CompileOptions& options) {
  CompiledTraining out;
  CompiledGraph placed = compile_placed(model, options);
  Graph& forward = placed.graph;
  out.split = std::move(placed.split);
  // The logits as the logical graph defines them (the split graph has gathers as extra outputs).
  if (forward.training.logits().empty()) forward.training.set_logits(find_logits(model));
  out.training = build_training_graph(forward, optimizer, options.ranks, options.replica_sum);
  place(out.training.graph, options.devices, options.kernel_label);
  out.training.graph = rebuild_graph(partition(out.training.graph), model.batch_size);
  out.training.graph = float32_weight_gradients(out.training.graph, options.kernel_label);
  if (options.fuse_updates) fuse_momentum_updates(out.training.graph, out.training.updates, options.kernel_label);
  if (options.fuse_activations) {
    TrainingGraph& t = out.training;
    std::set<std::string> fetched = options.fetched;
    for (const std::string* name : {&t.data, &t.labels, &t.logits, &t.loss, &t.probabilities})
      if (!name->empty()) fetched.insert(split_tensor_name(*name).first);
    t.graph = fuse_activations(t.graph, fetched, options.kernel_label);
  }
  if (options.blocked_layouts) choose_blocked_layouts(out.training.graph, options.kernel_label);
  return out;
}

}  // namespace graphrun

// Turns a model graph into a training graph: a loss (SoftmaxCrossEntropy on the logits, unless
// the graph has its own), the backward nodes from autodiff, and one ApplyMomentum update per
// trainable Variable with its momentum buffer. The updates wait (control inputs) for every
// gradient, so no update overwrites a weight another node of the step still reads.
// compile_training (runtime/train/compile_training.h) then fuses them into one
// FusedApplyMomentum per device (runtime/passes/fuse_updates.h).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/graph.h"
#include "runtime/passes/gradient_exchange.h"
#include "runtime/passes/rank_exchange.h"

namespace graphrun {

struct OptimizerSettings {
  double momentum = 0.9;
  double weight_decay = 0.0005;
};

struct TrainingGraph {
  Graph graph;
  std::string data;           // the input Placeholder
  std::string labels;         // the labels Placeholder (int64 [batch])
  std::string logits;         // class scores
  std::string loss;           // scalar loss
  std::string probabilities;  // softmax of the logits, for metrics
  std::string learning_rate;  // scalar Placeholder fed each step
  std::vector<std::string> updates;           // the step's targets: ApplyMomentum, FusedApplyMomentum once compiled
  std::vector<std::string> model_variables;   // the weights (what .npz and checkpoints call the model)
  std::vector<std::string> slot_variables;    // momentum buffers
  std::map<std::string, std::string> gradients;  // variable -> its gradient tensor
  std::map<std::string, std::string> gradient_of;  // gradient tensor -> forward tensor (core/gradient.h)
  std::map<std::string, std::string> forward_of;   // backward node -> its forward node
};

// `ranks`: the gradients' mean across processes (runtime/passes/rank_exchange.h) before the updates.
// `replica_sum`: how replicated variables' gradients are summed (runtime/passes/gradient_exchange.h).
TrainingGraph build_training_graph(const Graph& model, const OptimizerSettings& optimizer,
                                   const RankExchange& ranks = {}, ReplicaSum replica_sum = ReplicaSum::kAuto);

}  // namespace graphrun

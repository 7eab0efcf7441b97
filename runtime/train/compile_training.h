// A model compiled for training: the inference passes (runtime/passes/compile.h) with autodiff
// and the optimizer after placement, then placement of what they added, partition, the weight
// gradients in float32, the SGD updates fused into one node per device, the activation fusion
// and the blocked layouts. Autodiff runs on the split graph, so the backward of each gather is a
// Slice on the gathering device and the gradient transfers mirror the forward ones. Here, in
// train/, because it builds the training graph; the passes it runs stay apart from training.
#pragma once

#include "core/graph.h"
#include "runtime/passes/compile.h"
#include "runtime/train/training_graph.h"

namespace graphrun {

struct CompiledTraining {
  TrainingGraph training;  // its graph placed and partitioned
  SplitInfo split;
};

CompiledTraining compile_training(const Graph& model, const OptimizerSettings& optimizer,
                                  const CompileOptions& options);

}  // namespace graphrun

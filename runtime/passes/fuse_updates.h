// The update-fusion pass, last in compile_training (after partition): the per-variable
// ApplyMomentum updates become one FusedApplyMomentum per device (issue 6: "the SGD momentum
// update, one fused kernel over all variables"), so a GPU runs its whole SGD step as one kernel
// launch rather than one per variable. Each value computed is unchanged: both ops share
// ApplyMomentum's element update (ops/apply_momentum/momentum_update.h).
#pragma once

#include <string>
#include <vector>

#include "core/graph.h"

namespace graphrun {

// Groups the ApplyMomentum nodes among `updates` (a training graph's, TrainingGraph::updates) by
// (device, dtype, momentum, weight_decay, learning-rate tensor) and replaces each group in `graph`
// by one FusedApplyMomentum named "sgd_update" (when there is one group) or
// "sgd_update/<device tag>", waiting for the union of the group's control inputs; readers of an
// update's output read the fused node's output instead. `updates` becomes the fused nodes (plus
// any update that was not an ApplyMomentum). Each fused node is checked to have a kernel (of
// `kernel_label`, if set).
void fuse_momentum_updates(Graph& graph, std::vector<std::string>& updates, const std::string& kernel_label = "");

}  // namespace graphrun

// NaN and Inf in training (`train --check-numerics`). Scanning every node's output every step
// names the node that first produced one, but reads every activation once more: 12% of wide
// vgg_mini's step. A step that goes wrong shows in its loss or its gradients, which are the size
// of the parameters, so by default only those are scanned, before any update reads them; a step
// that fails the scan is run again with every node scanned, which names the node. As TF 1.x's
// add_check_numerics_ops names the op, at the cost only of the failing step run twice.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/graph.h"
#include "core/tensor.h"

namespace graphrun {

class Executor;

enum class CheckNumerics {
  kOff,        // no scan: a non-finite loss still stops training, naming no node
  kGradients,  // the loss and the gradients each step; a failing step re-run with every node (default)
  kEveryNode,  // every floating output of every step
};

// "gradients", "nodes" or "off".
CheckNumerics parse_check_numerics(const std::string& mode);

// The nodes kGradients scans: the loss's, and those whose outputs the updates read, other than
// Variables and Placeholders (the weights themselves, the learning rate).
std::vector<std::string> gradient_scan_nodes(const Graph& graph, const std::string& loss,
                                             const std::vector<std::string>& updates);

// After a step failed the kGradients scan: runs it again (the same feeds and step, as far as the
// scanned nodes only, so no variable changes) with every node scanned, and returns that run's
// error, which names the first node that produced NaN or Inf. Returns `error` unchanged if the
// step does not fail again.
std::string name_first_non_finite(Executor& executor, const std::map<std::string, Tensor>& feeds, int64_t step,
                                  const std::vector<std::string>& scanned, const std::string& error);

}  // namespace graphrun

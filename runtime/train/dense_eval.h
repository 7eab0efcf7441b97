// Dense evaluation (Simonyan & Zisserman 2015, section 3.2): the fully connected layers applied
// convolutionally over a whole image at scale Q, the first (fc6) as a convolution with the
// spatial size of its input map, the rest as 1x1 convolutions, and the class score map averaged
// spatially. A graph transform, so the trained weights load unchanged: each Dense becomes a
// Conv2D of the same name whose kernel is its [units, in] weight reshaped by a Reshape node.
#pragma once

#include <string>

#include "core/graph.h"
#include "core/proto/graph.pb.h"
#include "runtime/data/dataset.h"

namespace graphrun {

// The name of the [batch, classes] spatial mean of the score map in the transformed graph.
inline constexpr const char* kDenseLogits = "dense_logits";

struct DenseGraph {
  proto::Graph graph;      // input [-1, C, height, width]; logits kDenseLogits (training.logits)
  std::string score_map;   // the last FC layer as a convolution: [batch, classes, h, w]
};

// Fails naming the layer when the first Dense does not read a flattened [N, C, H, W] map, and
// naming the size when the input is too small for the first FC layer's window.
DenseGraph dense_evaluation_graph(const Graph& model, int64_t height, int64_t width);

// Two views of each sample of `base`: as it is and mirrored left to right (the paper averages
// the dense scores of an image and its flip).
std::unique_ptr<Dataset> with_flipped_views(std::unique_ptr<Dataset> base);

}  // namespace graphrun

// Variables cut across devices. The split pass gives a layer split N ways N Variables, each a
// part of the logical one (attrs part_of, part_axis, part_offset, part_shape); everything a
// user sees stays logical: initial values (drawn for the logical variable, then sliced, so a
// split run starts from the same weights as a one-device run), .npz files and checkpoints.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/graph.h"
#include "core/tensor.h"

namespace graphrun {

struct VariablePart {
  std::string logical;
  int axis = 0;
  int64_t offset = 0;
  Shape logical_shape;
};

// The part a Variable node is, or none for a whole variable.
std::optional<VariablePart> variable_part(const Node& node);
// A replica (data parallelism: each device a whole copy) is a part that covers the whole.
inline bool is_replica(const VariablePart& part, const Shape& shape) {
  return part.offset == 0 && shape == part.logical_shape;
}
// The name a Variable node has in checkpoints and .npz files.
std::string logical_variable_name(const Node& node);
// The logical names of the given Variable nodes, each once, in order.
std::vector<std::string> logical_variable_names(const Graph& graph, const std::vector<std::string>& variables);

// part = its slice of whole; whole's slice = part.
void copy_part_from_whole(Tensor& part, const Tensor& whole, const VariablePart& info);
void copy_part_into_whole(Tensor& whole, const Tensor& part, const VariablePart& info);

}  // namespace graphrun

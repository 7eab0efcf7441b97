#include "core/variable_parts.h"

#include <cstring>
#include <set>

namespace graphrun {

std::optional<VariablePart> variable_part(const Node& node) {
  if (node.op != "Variable" || node.attrs.s("part_of").empty()) return std::nullopt;
  return VariablePart{node.attrs.s("part_of"), static_cast<int>(node.attrs.i("part_axis")), node.attrs.i("part_offset"),
                      node.attrs.shape("part_shape")};
}

std::string logical_variable_name(const Node& node) {
  auto part = variable_part(node);
  return part ? part->logical : node.name;
}

std::vector<std::string> logical_variable_names(const Graph& graph, const std::vector<std::string>& variables) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const auto& v : variables) {
    std::string logical = logical_variable_name(graph.node(v));
    if (seen.insert(logical).second) names.push_back(logical);
  }
  return names;
}

namespace {

// Copies the slab [offset, offset + extent) along `axis` between a whole tensor and its part:
// for each index of the dimensions before the axis, one contiguous run of extent * inner.
void copy_slab(const Tensor& whole, const Tensor& part, const VariablePart& info, bool into_whole) {
  const Shape& w = whole.shape();
  const Shape& p = part.shape();
  GR_CHECK(w.rank() == p.rank() && info.axis < w.rank(), "part {} does not fit {}", p.str(), w.str());
  GR_CHECK(info.offset + p[info.axis] <= w[info.axis], "part {} at {} exceeds {}", p.str(), info.offset, w.str());
  size_t element = dtype_size(whole.dtype());
  int64_t outer = w.product(0, info.axis), inner = w.product(info.axis + 1, w.rank());
  size_t run = static_cast<size_t>(p[info.axis] * inner) * element;
  auto* whole_bytes = static_cast<char*>(whole.raw());
  auto* part_bytes = static_cast<char*>(part.raw());
  for (int64_t o = 0; o < outer; ++o) {
    char* w_at = whole_bytes + static_cast<size_t>((o * w[info.axis] + info.offset) * inner) * element;
    char* p_at = part_bytes + static_cast<size_t>(o) * run;
    if (into_whole)
      std::memcpy(w_at, p_at, run);
    else
      std::memcpy(p_at, w_at, run);
  }
}

}  // namespace

void copy_part_from_whole(Tensor& part, const Tensor& whole, const VariablePart& info) {
  copy_slab(whole, part, info, false);
}

void copy_part_into_whole(Tensor& whole, const Tensor& part, const VariablePart& info) {
  copy_slab(whole, part, info, true);
}

}  // namespace graphrun

#include "runtime/passes/float64.h"

#include <map>

#include "core/attrs.h"

namespace graphrun {

Graph to_float64(const Graph& model) {
  proto::Graph g = to_proto(model);
  std::map<std::string, std::string> cast_of;  // float32 Placeholder -> its Cast
  for (const Node& node : model.nodes)
    if (node.op == "Placeholder" && node.outputs[0].dtype == DType::kFloat32) cast_of[node.name] = node.name + "/float64";
  for (auto& node : *g.mutable_node()) {
    for (auto& input : *node.mutable_input()) {
      auto [name, output] = split_tensor_name(input);
      if (auto it = cast_of.find(name); it != cast_of.end() && output == 0) input = it->second;
    }
    if (node.op() != "Variable") continue;
    for (auto& attr : *node.mutable_attr())
      if (attr.name() == "dtype" && model.node(node.name()).outputs[0].dtype == DType::kFloat32) {
        attr = attr_dtype(DType::kFloat64);
        attr.set_name("dtype");
      }
  }
  for (const auto& [placeholder, cast] : cast_of) {
    proto::Node* node = g.add_node();
    node->set_name(cast);
    node->set_op("Cast");
    node->add_input(placeholder);
    proto::Attr* to = node->add_attr();
    *to = attr_dtype(DType::kFloat64);
    to->set_name("to");
  }
  BuildOptions options;
  options.batch_size = model.batch_size;
  return build_graph(g, options);
}

}  // namespace graphrun

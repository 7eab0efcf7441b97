#include "runtime/passes/fuse_activations.h"

#include <map>

#include "runtime/passes/builtin_kernel.h"

namespace graphrun {

namespace {

// The Conv2D attrs Conv2DRelu has (not the initializers: its parameters are inputs by now).
constexpr const char* kGeometryAttrs[] = {"filters", "kernel", "stride", "pad", "dilation", "groups", "use_bias"};

}  // namespace

Graph fuse_activations(const Graph& graph, const std::set<std::string>& keep, const std::string& kernel_label,
                       int* fused) {
  if (fused != nullptr) *fused = 0;
  if (!kernel_label.empty()) return graph;
  std::vector<int> readers(graph.nodes.size(), 0);  // data and control readers of any output
  for (const Node& node : graph.nodes) {
    for (const TensorRef& ref : node.inputs) ++readers[ref.node];
    for (int c : node.control_inputs) ++readers[c];
  }
  std::map<int, int> conv_of_relu;  // Relu index -> the Conv2D it absorbs
  for (size_t r = 0; r < graph.nodes.size(); ++r) {
    const Node& relu = graph.nodes[r];
    if (relu.op != "Relu" || relu.inputs.size() != 1) continue;
    const TensorRef in = relu.inputs[0];
    const Node& conv = graph.nodes[in.node];
    const DType dtype = graph.info(in).dtype;
    if (conv.op != "Conv2D" || in.output != 0 || readers[in.node] != 1 || conv.device != relu.device ||
        keep.contains(conv.name) || !runs_builtin_onednn(conv, "Conv2D", dtype) ||
        !runs_builtin_onednn(relu, "Relu", dtype) || !runs_builtin_onednn(conv, "Conv2DRelu", dtype))
      continue;
    conv_of_relu[static_cast<int>(r)] = in.node;
  }
  if (fused != nullptr) *fused = static_cast<int>(conv_of_relu.size());
  if (conv_of_relu.empty()) return graph;

  std::set<int> absorbed;
  for (const auto& [relu, conv] : conv_of_relu) absorbed.insert(conv);
  // In node order, the fused node where the Relu was (after everything the Conv2D read).
  const proto::Graph in = to_proto(graph);
  proto::Graph out = in;
  out.clear_node();
  for (int i = 0; i < in.node_size(); ++i) {
    if (absorbed.contains(i)) continue;
    auto it = conv_of_relu.find(i);
    if (it == conv_of_relu.end()) {
      *out.add_node() = in.node(i);
      continue;
    }
    const proto::Node& conv = in.node(it->second);
    proto::Node* node = out.add_node();
    node->set_name(in.node(i).name());
    node->set_op("Conv2DRelu");
    node->set_device(in.node(i).device());
    *node->mutable_input() = conv.input();
    for (const proto::Attr& attr : conv.attr())
      for (const char* name : kGeometryAttrs)
        if (attr.name() == name) *node->add_attr() = attr;
  }
  BuildOptions options;
  options.batch_size = graph.batch_size;
  return build_graph(out, options);
}

}  // namespace graphrun

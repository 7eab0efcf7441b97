#include "runtime/passes/fuse_activations.h"

#include <map>

#include "core/kernel_registry.h"
#include "runtime/passes/placement.h"

namespace graphrun {

namespace {

// The fused op of the activation node a: its input's producer p runs on a kernel that absorbs a's
// op (KernelDef::fusions), a's own kernel is its op's library's (a kernel another library put
// above it is not bypassed), and the fused op has a kernel for the pair there. nullptr otherwise.
const ActivationFusion* fusion_of(const Graph& graph, int a) {
  const Node& activation = graph.nodes[a];
  const KernelRegistry& kernels = KernelRegistry::global();
  const NodeInfo producer = make_node_info(graph, activation.inputs[0].node, DeviceName{});
  const KernelDef* producer_kernel = kernels.runs(producer);
  const ActivationFusion* fusion = producer_kernel != nullptr ? producer_kernel->fusion_with(activation.op) : nullptr;
  if (fusion == nullptr) return nullptr;
  const KernelDef* activation_kernel = kernels.runs(make_node_info(graph, a, DeviceName{}));
  if (activation_kernel == nullptr || activation.def == nullptr ||
      activation_kernel->library != activation.def->library)
    return nullptr;
  NodeInfo fused = producer;
  fused.op = fusion->fused_op;
  fused.outputs = activation.outputs;
  return kernels.runs(fused) != nullptr ? fusion : nullptr;
}

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
  struct Pair {
    int producer;
    const ActivationFusion* fusion;
  };
  std::map<int, Pair> producer_of;  // activation index -> the node it absorbs, and how
  for (size_t a = 0; a < graph.nodes.size(); ++a) {
    const Node& activation = graph.nodes[a];
    if (activation.inputs.size() != 1) continue;
    const TensorRef in = activation.inputs[0];
    const Node& producer = graph.nodes[in.node];
    if (in.output != 0 || readers[in.node] != 1 || producer.device != activation.device || keep.contains(producer.name))
      continue;
    if (const ActivationFusion* fusion = fusion_of(graph, static_cast<int>(a)))
      producer_of[static_cast<int>(a)] = Pair{in.node, fusion};
  }
  if (fused != nullptr) *fused = static_cast<int>(producer_of.size());
  if (producer_of.empty()) return graph;

  std::set<int> absorbed;
  for (const auto& [activation, pair] : producer_of) absorbed.insert(pair.producer);
  // In node order, the fused node where the activation was (after everything the producer read).
  const proto::Graph in = to_proto(graph);
  proto::Graph out = in;
  out.clear_node();
  for (int i = 0; i < in.node_size(); ++i) {
    if (absorbed.contains(i)) continue;
    auto it = producer_of.find(i);
    if (it == producer_of.end()) {
      *out.add_node() = in.node(i);
      continue;
    }
    const proto::Node& producer = in.node(it->second.producer);
    proto::Node* node = out.add_node();
    node->set_name(in.node(i).name());
    node->set_op(it->second.fusion->fused_op);
    node->set_device(in.node(i).device());
    *node->mutable_input() = producer.input();
    // The producer's attrs that the fused op declares (not the initializers: its parameters are
    // inputs by now, and the fused op has none).
    const OpDef& fused_def = OpRegistry::global().get(it->second.fusion->fused_op);
    for (const proto::Attr& attr : producer.attr())
      if (fused_def.find_attr(attr.name()) != nullptr) *node->add_attr() = attr;
  }
  BuildOptions options;
  options.batch_size = graph.batch_size;
  return build_graph(out, options);
}

}  // namespace graphrun

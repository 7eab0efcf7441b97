#include "core/gradient.h"

#include <fmt/ranges.h>

#include "core/error.h"

namespace graphrun {

GradContext::GradContext(const Graph& graph, const Node& node, std::vector<std::string> grad_outputs,
                         proto::Graph& out, std::set<std::string>& names, std::vector<std::string>& grad_inputs)
    : graph_(graph), node_(node), grad_outputs_(std::move(grad_outputs)), out_(out), names_(names),
      grad_inputs_(grad_inputs) {
  grad_inputs_.assign(node_.inputs.size(), "");
}

std::string GradContext::input(int i) const { return graph_.tensor_name(node_.inputs.at(i)); }

std::string GradContext::output(int i) const {
  return graph_.tensor_name({graph_.index(node_.name), i});
}

const TensorInfo& GradContext::input_info(int i) const { return graph_.info(node_.inputs.at(i)); }

std::string GradContext::grad_output_or_zeros(int i) {
  if (!grad_outputs_.at(i).empty()) return grad_outputs_[i];
  return add(fmt::format("zeros{}", i), "ZerosLike", {output(i)});
}

std::string GradContext::add(const std::string& suffix, const std::string& op, const std::vector<std::string>& inputs,
                             const AttrList& attrs) {
  std::string base = fmt::format("{}/grad/{}", node_.name, suffix);
  std::string name = base;
  for (int k = 1; names_.count(name); ++k) name = fmt::format("{}_{}", base, k);
  names_.insert(name);
  proto::Node* n = out_.add_node();
  n->set_name(name);
  n->set_op(op);
  n->set_device(node_.device);
  for (const auto& in : inputs) n->add_input(in);
  for (const auto& [attr_name, value] : attrs) {
    proto::Attr* a = n->add_attr();
    *a = value;
    a->set_name(attr_name);
  }
  return name;
}

void GradContext::set_grad_input(int i, const std::string& tensor) {
  GR_CHECK(i >= 0 && i < num_inputs(), "{} '{}' has no input {}", node_.op, node_.name, i);
  grad_inputs_[i] = tensor;
}

AttrList GradContext::forward_attrs(const std::vector<std::string>& names) const {
  AttrList list;
  for (const auto& name : names) list.emplace_back(name, node_.attrs.get(name));
  return list;
}

namespace {

// Sums the contributions to one tensor's gradient (fan-out) with AddN.
std::string sum_gradients(const std::vector<std::string>& parts, const std::string& name, const std::string& device,
                          proto::Graph& out, std::set<std::string>& names) {
  if (parts.empty()) return "";
  if (parts.size() == 1) return parts[0];
  std::string unique = name;
  for (int k = 1; names.count(unique); ++k) unique = fmt::format("{}_{}", name, k);
  names.insert(unique);
  proto::Node* n = out.add_node();
  n->set_name(unique);
  n->set_op("AddN");
  n->set_device(device);
  for (const auto& p : parts) n->add_input(p);
  return unique;
}

std::vector<std::string> call_grad_fn(const Graph& graph, const Node& node, const std::vector<std::string>& grad_outputs,
                                      proto::Graph& out, std::set<std::string>& names) {
  if (!node.def->grad_fn)
    fail("{} '{}' has no gradient function: the loss depends on it through a differentiable path (use StopGradient "
         "to cut the path)",
         node.op, node.name);
  std::vector<std::string> grad_inputs;
  GradContext ctx(graph, node, grad_outputs, out, names, grad_inputs);
  node.def->grad_fn(ctx);
  return grad_inputs;
}

std::set<std::string> node_names(const proto::Graph& out) {
  std::set<std::string> names;
  for (const auto& n : out.node()) names.insert(n.name());
  return names;
}

}  // namespace

std::vector<std::string> add_node_gradients(const Graph& graph, const std::string& node,
                                            const std::vector<std::string>& grad_outputs, proto::Graph& out) {
  std::set<std::string> names = node_names(out);
  return call_grad_fn(graph, graph.node(node), grad_outputs, out, names);
}

Gradients add_gradients(const Graph& graph, const std::string& loss, const std::vector<std::string>& wrt) {
  Gradients result;
  result.graph = to_proto(graph);
  std::set<std::string> names = node_names(result.graph);
  TensorRef loss_ref = graph.resolve(loss);
  const TensorInfo& loss_info = graph.info(loss_ref);
  if (loss_info.shape.num_elements() != 1)
    fail("the loss '{}' must be a scalar, it has shape {}", loss, loss_info.shape.str());

  size_t n = graph.nodes.size();
  // Active nodes: downstream of a wrt node and upstream of the loss.
  std::vector<bool> from_wrt(n, false), to_loss(n, false), is_wrt(n, false);
  for (const auto& name : wrt) is_wrt[graph.index(name)] = from_wrt[graph.index(name)] = true;
  for (size_t i = 0; i < n; ++i) {
    const Node& node = graph.nodes[i];
    for (size_t k = 0; k < node.inputs.size(); ++k) {
      bool cut = std::find(node.def->no_gradient.begin(), node.def->no_gradient.end(), static_cast<int>(k)) !=
                 node.def->no_gradient.end();
      if (!cut && from_wrt[node.inputs[k].node]) from_wrt[i] = true;
    }
  }
  to_loss[loss_ref.node] = true;
  for (size_t i = n; i-- > 0;)
    if (to_loss[i])
      for (const auto& ref : graph.nodes[i].inputs) to_loss[ref.node] = true;

  std::map<TensorRef, std::vector<std::string>> parts;
  {
    // d loss / d loss = 1.
    std::string seed = "gradients/seed";
    names.insert(seed);
    proto::Node* s = result.graph.add_node();
    s->set_name(seed);
    s->set_op("OnesLike");
    s->set_device(graph.nodes[loss_ref.node].device);
    s->add_input(loss);
    parts[loss_ref].push_back(seed);
    result.forward_of[seed] = graph.nodes[loss_ref.node].name;
  }
  for (size_t i = n; i-- > 0;) {
    const Node& node = graph.nodes[i];
    if (!from_wrt[i] || !to_loss[i] || is_wrt[i]) continue;
    std::vector<std::string> grad_outputs;
    bool any = false;
    for (int k = 0; k < static_cast<int>(node.outputs.size()); ++k) {
      auto it = parts.find({static_cast<int>(i), k});
      std::string g = it == parts.end() ? ""
                                        : sum_gradients(it->second, fmt::format("{}/grad/sum{}", node.name, k),
                                                        node.device, result.graph, names);
      if (!g.empty()) {
        result.gradient_of.emplace(g, graph.tensor_name({static_cast<int>(i), k}));
        result.forward_of.emplace(split_tensor_name(g).first, node.name);
      }
      any = any || !g.empty();
      grad_outputs.push_back(g);
    }
    if (!any) continue;
    int first_added = result.graph.node_size();
    std::vector<std::string> grad_inputs = call_grad_fn(graph, node, grad_outputs, result.graph, names);
    for (int a = first_added; a < result.graph.node_size(); ++a) result.forward_of[result.graph.node(a).name()] = node.name;
    for (size_t k = 0; k < node.inputs.size(); ++k) {
      TensorRef in = node.inputs[k];
      bool cut = std::find(node.def->no_gradient.begin(), node.def->no_gradient.end(), static_cast<int>(k)) !=
                 node.def->no_gradient.end();
      if (cut || !from_wrt[in.node]) continue;
      if (grad_inputs[k].empty()) {
        if (node.op == "StopGradient") continue;
        fail("{} '{}': its gradient function gave no gradient for input {} ('{}')", node.op, node.name, k,
             node.input_names[k]);
      }
      parts[in].push_back(grad_inputs[k]);
      result.gradient_of.emplace(grad_inputs[k], graph.tensor_name(in));
    }
  }
  for (const auto& name : wrt) {
    TensorRef ref{graph.index(name), 0};
    auto it = parts.find(ref);
    if (it == parts.end()) fail("the loss '{}' does not depend on '{}'", loss, name);
    result.of[name] = sum_gradients(it->second, name + "/grad/sum", graph.node(name).device, result.graph, names);
    result.gradient_of.emplace(result.of[name], name);
    result.forward_of.emplace(split_tensor_name(result.of[name]).first, name);
  }
  return result;
}

}  // namespace graphrun

#include "core/graph.h"

#include <fmt/ranges.h>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/strong_components.hpp>
#include <boost/graph/topological_sort.hpp>
#include <set>

#include "core/device.h"
#include "core/error.h"

namespace graphrun {

std::pair<std::string, int> split_tensor_name(const std::string& tensor_name) {
  size_t colon = tensor_name.rfind(':');
  if (colon == std::string::npos) return {tensor_name, 0};
  std::string index = tensor_name.substr(colon + 1);
  if (index.empty() || index.size() > 6 || index.find_first_not_of("0123456789") != std::string::npos)
    fail("bad tensor name '{}': expected \"node\" or \"node:k\"", tensor_name);
  return {tensor_name.substr(0, colon), std::stoi(index)};
}

int Graph::find(const std::string& node_name) const {
  auto it = index_.find(node_name);
  return it == index_.end() ? -1 : it->second;
}

int Graph::index(const std::string& node_name) const {
  int i = find(node_name);
  if (i >= 0) return i;
  std::vector<std::string> names;
  for (const auto& n : nodes) names.push_back(n.name);
  std::string hint = closest_name(node_name, names);
  if (!hint.empty()) fail("no node '{}' in graph '{}' (did you mean '{}'?)", node_name, name, hint);
  fail("no node '{}' in graph '{}'", node_name, name);
}

const Node& Graph::node(const std::string& node_name) const { return nodes[index(node_name)]; }

TensorRef Graph::resolve(const std::string& tensor_name) const {
  auto [node_name, output] = split_tensor_name(tensor_name);
  int i = index(node_name);
  if (output >= static_cast<int>(nodes[i].outputs.size()))
    fail("'{}': node '{}' has {} output(s)", tensor_name, node_name, nodes[i].outputs.size());
  return {i, output};
}

std::string Graph::tensor_name(TensorRef ref) const {
  const std::string& n = nodes.at(ref.node).name;
  return ref.output == 0 ? n : fmt::format("{}:{}", n, ref.output);
}

std::vector<int> Graph::nodes_with_op(const std::string& op) const {
  std::vector<int> result;
  for (int i = 0; i < static_cast<int>(nodes.size()); ++i)
    if (nodes[i].op == op) result.push_back(i);
  return result;
}

std::vector<std::vector<int>> Graph::consumers() const {
  std::vector<std::vector<int>> result(nodes.size());
  for (int i = 0; i < static_cast<int>(nodes.size()); ++i) {
    std::set<int> producers;
    for (const auto& ref : nodes[i].inputs) producers.insert(ref.node);
    producers.insert(nodes[i].control_inputs.begin(), nodes[i].control_inputs.end());
    for (int p : producers) result[p].push_back(i);
  }
  return result;
}

std::vector<int> Graph::sinks() const {
  auto readers = consumers();
  std::vector<int> result;
  for (int i = 0; i < static_cast<int>(nodes.size()); ++i)
    if (readers[i].empty() && nodes[i].op != "Variable") result.push_back(i);
  return result;
}

void reindex(Graph& graph) {
  graph.index_.clear();
  for (int i = 0; i < static_cast<int>(graph.nodes.size()); ++i) graph.index_[graph.nodes[i].name] = i;
}

namespace {

using BoostGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;

std::string error_prefix(const Node& node) { return fmt::format("{} '{}'", node.op, node.name); }

// Converts the attr given in the file to the declared type, or says why it cannot.
proto::Attr normalize_attr(const Node& node, const AttrSpec& spec, const proto::Attr& given) {
  using V = proto::Attr;
  proto::Attr attr = given;
  auto mismatch = [&]() {
    fail("{}: attr '{}' expects {}, got {}", error_prefix(node), spec.name, attr_type_name(spec.type),
         given.value_case() == V::VALUE_NOT_SET ? std::string("no value") : attr_value_str(given));
  };
  switch (spec.type) {
    case AttrType::kInt: if (given.value_case() != V::kI) mismatch(); break;
    case AttrType::kFloat:
      if (given.value_case() == V::kI) attr.set_f(static_cast<double>(given.i()));
      else if (given.value_case() != V::kF) mismatch();
      break;
    case AttrType::kString: if (given.value_case() != V::kS) mismatch(); break;
    case AttrType::kBool: if (given.value_case() != V::kB) mismatch(); break;
    case AttrType::kInts:
      if (given.value_case() == V::kI) {
        attr.mutable_ints()->clear_v();
        for (int k = 0; k < std::max(spec.length, 1); ++k) attr.mutable_ints()->add_v(given.i());
      } else if (given.value_case() != V::kInts) {
        mismatch();
      } else if (spec.length > 0 && given.ints().v_size() != spec.length) {
        fail("{}: attr '{}' needs {} values, got {}", error_prefix(node), spec.name, spec.length,
             attr_value_str(given));
      }
      break;
    case AttrType::kFloats: if (given.value_case() != V::kFloats) mismatch(); break;
    case AttrType::kStrings: if (given.value_case() != V::kStrings) mismatch(); break;
    case AttrType::kShape: if (given.value_case() != V::kShape) mismatch(); break;
    case AttrType::kDType:
      if (given.value_case() != V::kDtype) mismatch();
      if (given.dtype() == proto::DT_INVALID) fail("{}: attr '{}' is DT_INVALID", error_prefix(node), spec.name);
      break;
    case AttrType::kTensor: if (given.value_case() != V::kTensor) mismatch(); break;
    case AttrType::kInit:
      if (given.value_case() != V::kInit) mismatch();
      if (given.init().kind_case() == proto::Initializer::KIND_NOT_SET)
        fail("{}: attr '{}' names no initializer (gaussian, uniform, constant, xavier or kaiming)",
             error_prefix(node), spec.name);
      break;
  }
  if (spec.check) {
    std::string reason = spec.check(attr);
    if (!reason.empty()) fail("{}: attr '{}' = {} {}", error_prefix(node), spec.name, attr_value_str(given), reason);
  }
  attr.set_name(spec.name);
  return attr;
}

AttrMap normalize_attrs(const Node& node, const google::protobuf::RepeatedPtrField<proto::Attr>& given) {
  const OpDef& def = *node.def;
  AttrMap attrs;
  for (const auto& attr : given) {
    const AttrSpec* spec = def.find_attr(attr.name());
    if (spec == nullptr) {
      std::vector<std::string> names;
      for (const auto& s : def.attrs) names.push_back(s.name);
      std::string hint = closest_name(attr.name(), names);
      fail("{}: unknown attr '{}'{} ({} takes: {})", error_prefix(node), attr.name(),
           hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint), def.name,
           names.empty() ? "no attrs" : fmt::format("{}", fmt::join(names, ", ")));
    }
    if (attrs.has(attr.name())) fail("{}: attr '{}' is given twice", error_prefix(node), attr.name());
    attrs.set(attr.name(), normalize_attr(node, *spec, attr));
  }
  for (const auto& spec : def.attrs) {
    if (attrs.has(spec.name)) continue;
    if (!spec.default_value) fail("{}: missing required attr '{}' ({}: {})", error_prefix(node), spec.name,
                                  attr_type_name(spec.type), spec.doc);
    attrs.set(spec.name, *spec.default_value);
  }
  return attrs;
}

// Names the nodes of one cycle, in order, for the error message.
std::string describe_cycle(const BoostGraph& g, const std::vector<Node>& nodes) {
  std::vector<int> component(boost::num_vertices(g));
  int count = boost::strong_components(g, component.data());
  std::vector<int> size(count, 0);
  for (int c : component) ++size[c];
  for (size_t v = 0; v < component.size(); ++v) {
    bool self_loop = boost::edge(v, v, g).second;
    if (size[component[v]] < 2 && !self_loop) continue;
    // Walk inside the component until a node repeats: that walk's tail is a cycle.
    std::vector<size_t> path{v};
    std::map<size_t, size_t> seen{{v, 0}};
    while (true) {
      size_t next = v;
      for (auto [e, end] = boost::out_edges(path.back(), g); e != end; ++e) {
        size_t t = boost::target(*e, g);
        if (component[t] == component[v]) {
          next = t;
          break;
        }
      }
      if (seen.count(next)) {
        std::vector<std::string> names;
        for (size_t k = seen[next]; k < path.size(); ++k) names.push_back(nodes[path[k]].name);
        names.push_back(nodes[next].name);
        return fmt::format("{}", fmt::join(names, " -> "));
      }
      seen[next] = path.size();
      path.push_back(next);
    }
  }
  return "?";
}

// The inputs a node lists, checked against its op: the data inputs, then either all of the
// op's enabled parameters or none (the loader then creates them).
int expected_params(const Node& node) {
  int count = 0;
  for (const auto& p : node.def->params)
    if (p.enabled_by.empty() || node.attrs.b(p.enabled_by)) ++count;
  return count;
}

void check_input_count(const Node& node) {
  const OpDef& def = *node.def;
  int given = static_cast<int>(node.input_names.size());
  int data = def.num_data_inputs();
  if (def.variadic_inputs) {
    if (given < data) fail("{}: needs at least {} input(s), got {}", error_prefix(node), data, given);
    return;
  }
  int params = expected_params(node);
  if (given == data || given == data + params) return;
  std::vector<std::string> names;
  for (const auto& in : def.inputs) names.push_back(in.name);
  for (const auto& p : def.params)
    if (p.enabled_by.empty() || node.attrs.b(p.enabled_by)) names.push_back(p.name);
  fail("{}: takes {} input(s) ({}){}, got {}", error_prefix(node), data, fmt::join(names.begin(), names.begin() + data, ", "),
       params > 0 ? fmt::format(" or {} with its parameters ({})", data + params, fmt::join(names, ", ")) : "", given);
}

std::vector<TensorInfo> input_infos(const Graph& graph, const Node& node) {
  std::vector<TensorInfo> infos;
  for (size_t k = 0; k < node.inputs.size(); ++k) {
    TensorRef ref = node.inputs[k];
    const Node& producer = graph.nodes[ref.node];
    if (ref.output >= static_cast<int>(producer.outputs.size()))
      fail("{}: input '{}' asks for output {} of '{}', which has {} output(s)", error_prefix(node),
           node.input_names[k], ref.output, producer.name, producer.outputs.size());
    infos.push_back(producer.outputs[ref.output]);
  }
  return infos;
}

void infer_node(Graph& graph, Node& node) {
  InferenceContext ctx(node.op, node.name, node.attrs, input_infos(graph, node), graph.batch_size);
  node.def->shape_fn(ctx);
  if (!node.def->variadic_outputs && ctx.num_outputs() != static_cast<int>(node.def->outputs.size()))
    fail("{}: shape function set {} output(s), the op declares {}", error_prefix(node), ctx.num_outputs(),
         node.def->outputs.size());
  node.outputs = ctx.outputs();
  node.cost = node.def->cost_fn ? node.def->cost_fn(ctx) : Cost{};
}

// Runs `fn`, adding "<Op> '<node>': " to errors that do not name the node already.
template <typename Fn>
void with_node_context(const Node& node, Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    std::string prefix = error_prefix(node);
    if (std::string_view(e.what()).starts_with(prefix)) throw;
    throw Error(fmt::format("{}: {}", prefix, e.what()));
  }
}

// Creates the Variable nodes of a node's implicit parameters, placed before it in `out`.
void add_implicit_params(Graph& graph, Node& node, std::map<std::string, int>& index) {
  const OpDef& variable = OpRegistry::global().get("Variable");
  InferenceContext data_ctx(node.op, node.name, node.attrs, input_infos(graph, node), graph.batch_size);
  for (const auto& param : node.def->params) {
    if (!param.enabled_by.empty() && !node.attrs.b(param.enabled_by)) continue;
    Node var;
    var.name = fmt::format("{}/{}", node.name, param.name);
    var.op = "Variable";
    var.def = &variable;
    var.device = node.device;
    var.implicit = true;
    if (index.count(var.name)) fail("{}: its parameter '{}' clashes with a node of that name", error_prefix(node), var.name);
    google::protobuf::RepeatedPtrField<proto::Attr> attrs;
    proto::Attr* shape = attrs.Add();
    *shape = attr_shape(param.shape(data_ctx));
    shape->set_name("shape");
    proto::Attr* dtype = attrs.Add();
    *dtype = attr_dtype(data_ctx.input_dtype(0));
    dtype->set_name("dtype");
    proto::Attr* init = attrs.Add();
    *init = node.attrs.get(param.name + "_init");
    init->set_name("init");
    var.attrs = normalize_attrs(var, attrs);
    infer_node(graph, var);
    int var_index = static_cast<int>(graph.nodes.size());
    index[var.name] = var_index;
    node.input_names.push_back(var.name);
    node.inputs.push_back({var_index, 0});
    graph.nodes.push_back(std::move(var));
  }
}

}  // namespace

Graph build_graph(const proto::Graph& def, const BuildOptions& options) {
  if (static_cast<size_t>(def.node_size()) > options.max_nodes)
    fail("graph '{}' has {} nodes, more than the limit of {}", def.name(), def.node_size(), options.max_nodes);
  Graph graph;
  graph.name = def.name().empty() ? "graph" : def.name();
  graph.doc = def.doc();
  graph.version = def.version();
  graph.plugins.assign(def.plugin().begin(), def.plugin().end());
  graph.training = def.training();
  graph.batch_size = options.batch_size;

  // Pass 1: names, ops and attrs of the nodes as written.
  std::vector<Node> written(def.node_size());
  std::map<std::string, int> index;
  for (int i = 0; i < def.node_size(); ++i) {
    const proto::Node& pn = def.node(i);
    Node& node = written[i];
    node.name = pn.name();
    node.op = pn.op();
    node.device = pn.device();
    node.doc = pn.doc();
    if (node.name.empty()) fail("node #{} (op '{}') has no name", i, node.op);
    if (node.name.find_first_of(": \t\n\"") != std::string::npos)
      fail("node '{}': a name may not contain ':', spaces or quotes", node.name);
    if (!index.emplace(node.name, i).second)
      fail("node '{}': duplicate name (nodes #{} and #{})", node.name, index[node.name], i);
    try {
      node.def = &OpRegistry::global().get(node.op);
    } catch (const Error& e) {
      fail("node '{}': {}", node.name, e.what());
    }
    node.attrs = normalize_attrs(node, pn.attr());
    if (!node.device.empty()) with_node_context(node, [&] { parse_device_name(node.device); });
    for (const auto& input : pn.input()) {
      if (input.starts_with("^")) node.control_names.push_back(input.substr(1));
      else node.input_names.push_back(input);
    }
    check_input_count(node);
  }

  // Pass 2: inputs resolved to edges; a topological order, or the cycle named.
  BoostGraph edges(written.size());
  for (int i = 0; i < static_cast<int>(written.size()); ++i) {
    Node& node = written[i];
    for (const auto& input : node.input_names) {
      std::pair<std::string, int> parsed;
      with_node_context(node, [&] { parsed = split_tensor_name(input); });
      auto it = index.find(parsed.first);
      if (it == index.end()) {
        std::vector<std::string> names;
        for (const auto& n : written) names.push_back(n.name);
        std::string hint = closest_name(parsed.first, names);
        fail("{}: input '{}' names no node{}", error_prefix(node), input,
             hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint));
      }
      node.inputs.push_back({it->second, parsed.second});
      boost::add_edge(it->second, i, edges);
    }
    for (const auto& control : node.control_names) {
      auto it = index.find(control);
      if (it == index.end()) fail("{}: control input '^{}' names no node", error_prefix(node), control);
      node.control_inputs.push_back(it->second);
      boost::add_edge(it->second, i, edges);
    }
  }
  std::vector<size_t> reverse_order;
  try {
    boost::topological_sort(edges, std::back_inserter(reverse_order));
  } catch (const boost::not_a_dag&) {
    fail("graph '{}' has a cycle: {}", graph.name, describe_cycle(edges, written));
  }

  // Pass 3: in topological order, implicit parameters made explicit and shapes inferred.
  std::map<std::string, int> final_index;
  std::vector<int> old_to_new(written.size(), -1);
  for (auto it = reverse_order.rbegin(); it != reverse_order.rend(); ++it) {
    Node node = std::move(written[*it]);
    for (auto& ref : node.inputs) ref.node = old_to_new[ref.node];
    for (auto& control : node.control_inputs) control = old_to_new[control];
    with_node_context(node, [&] {
      if (!node.def->params.empty() && static_cast<int>(node.inputs.size()) == node.def->num_data_inputs())
        add_implicit_params(graph, node, final_index);
      infer_node(graph, node);
    });
    int new_index = static_cast<int>(graph.nodes.size());
    old_to_new[*it] = new_index;
    final_index[node.name] = new_index;
    graph.nodes.push_back(std::move(node));
  }
  reindex(graph);
  return graph;
}

proto::Graph to_proto(const Graph& graph) {
  proto::Graph out;
  out.set_name(graph.name);
  out.set_doc(graph.doc);
  out.set_version(graph.version);
  for (const auto& plugin : graph.plugins) out.add_plugin(plugin);
  *out.mutable_training() = graph.training;
  for (const auto& node : graph.nodes) {
    proto::Node* pn = out.add_node();
    pn->set_name(node.name);
    pn->set_op(node.op);
    pn->set_device(node.device);
    pn->set_doc(node.doc);
    for (const auto& ref : node.inputs) pn->add_input(graph.tensor_name(ref));
    for (int control : node.control_inputs) pn->add_input("^" + graph.nodes[control].name);
    for (const auto& [name, value] : node.attrs.values()) *pn->add_attr() = value;
  }
  return out;
}

std::vector<bool> Graph::ancestors_of(const std::vector<std::string>& tensors) const {
  std::vector<int> node_indices;
  for (const auto& name : tensors) node_indices.push_back(resolve(name).node);
  return ancestors_of_nodes(node_indices);
}

std::vector<bool> Graph::ancestors_of_nodes(const std::vector<int>& node_indices) const {
  std::vector<bool> needed(nodes.size(), false);
  for (int i : node_indices) needed[i] = true;
  for (size_t i = nodes.size(); i-- > 0;)
    if (needed[i]) {
      for (const auto& ref : nodes[i].inputs) needed[ref.node] = true;
      for (int c : nodes[i].control_inputs) needed[c] = true;
    }
  return needed;
}

void Graph::rebind_batch(int64_t batch) {
  batch_size = batch;
  for (auto& node : nodes) {
    // The batch does not change a tensor's channels, so the layouts the blocked-layout pass chose
    // stay valid; shape inference alone would reset them to plain.
    std::vector<MemoryLayout> layouts;
    for (const TensorInfo& out : node.outputs) layouts.push_back(out.layout);
    with_node_context(node, [&] { infer_node(*this, node); });
    for (size_t k = 0; k < layouts.size() && k < node.outputs.size(); ++k) node.outputs[k].layout = layouts[k];
  }
}

std::string find_logits(const Graph& model) {
  if (!model.training.logits().empty()) return model.training.logits();
  std::vector<int> sinks = model.sinks();
  if (sinks.size() != 1)
    fail("graph '{}' has {} outputs: name the logits in its training section (training {{ logits: \"fc8\" }})",
         model.name, sinks.size());
  const Node& out = model.nodes[sinks[0]];
  if (out.op == "Softmax") return model.tensor_name(out.inputs[0]);
  if (out.op == "SoftmaxCrossEntropy") return model.tensor_name(out.inputs[0]);
  return out.name;
}

std::string find_loss(const Graph& model, const std::string& logits) {
  if (!model.training.loss().empty()) return model.training.loss();
  TensorRef scores = model.resolve(logits);
  for (int i : model.nodes_with_op("SoftmaxCrossEntropy")) {
    const Node& loss = model.nodes[i];
    if (!loss.inputs.empty() && loss.inputs[0] == scores)
      return loss.name;
  }
  return "";
}

std::string find_labels(const Graph& model, const std::string& loss) {
  if (!model.training.labels().empty()) return model.training.labels();
  const Node& node = model.node(split_tensor_name(loss).first);
  if (node.inputs.size() < 2 || model.nodes[node.inputs[1].node].op != "Placeholder")
    fail("graph '{}': the loss '{}' takes no labels Placeholder as its second input; name the labels in the "
         "training section (training {{ labels: \"labels\" }})", model.name, loss);
  return model.nodes[node.inputs[1].node].name;
}

std::string find_image_input(const Graph& model, const std::string& logits) {
  const std::vector<bool> feeds_logits = model.ancestors_of({logits});
  std::vector<std::string> inputs;
  for (int i : model.nodes_with_op("Placeholder"))
    if (feeds_logits[i]) inputs.push_back(model.nodes[i].name);
  if (inputs.empty()) fail("graph '{}': no Placeholder feeds the logits '{}' to take the images", model.name, logits);
  if (inputs.size() > 1)
    fail("graph '{}': the logits '{}' are computed from several Placeholders ({}); one image input is needed",
         model.name, logits, fmt::join(inputs, ", "));
  return inputs[0];
}

Graph without_loss(const Graph& model, const std::vector<std::string>& keep) {
  // A graph without a loss has nothing to leave out, and need not have one logits tensor (an
  // ONNX model may output several tensors, or only constants).
  if (model.training.loss().empty() && model.nodes_with_op("SoftmaxCrossEntropy").empty()) return model;
  std::string logits = find_logits(model);
  if (find_loss(model, logits).empty()) return model;
  std::vector<std::string> wanted = keep;
  wanted.push_back(logits);
  const std::vector<bool> needed = model.ancestors_of(wanted);
  proto::Graph def = to_proto(model);
  proto::Graph pruned = def;
  pruned.clear_node();
  for (int i = 0; i < def.node_size(); ++i)
    if (needed[model.find(def.node(i).name())]) *pruned.add_node() = def.node(i);
  pruned.mutable_training()->set_logits(logits);
  pruned.mutable_training()->clear_loss();
  pruned.mutable_training()->clear_labels();
  BuildOptions options;
  options.batch_size = model.batch_size;
  return build_graph(pruned, options);
}

}  // namespace graphrun

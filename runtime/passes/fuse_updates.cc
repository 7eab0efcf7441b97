#include "runtime/passes/fuse_updates.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "core/gradient.h"
#include "runtime/passes/partition.h"
#include "runtime/passes/placement.h"

namespace graphrun {

namespace {

// What the updates of one fused node must share: its device, the element type, the attrs that
// are scalars of the fused op, and the learning rate it reads.
using GroupKey = std::tuple<std::string, DType, double, double, std::string>;

struct Group {
  std::vector<int> members;  // ApplyMomentum nodes, in the order of `updates`
  std::string name;
};

std::string unused_name(const Graph& graph, const std::set<std::string>& taken, const std::string& base) {
  std::string name = base;
  for (int k = 1; graph.find(name) >= 0 || taken.count(name); ++k) name = fmt::format("{}_{}", base, k);
  return name;
}

void add_unique(std::vector<std::string>& list, const std::string& item) {
  if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(item);
}

proto::Node fused_node(const Graph& graph, const Group& group) {
  const Node& first = graph.nodes[group.members[0]];
  proto::Node fused;
  fused.set_name(group.name);
  fused.set_op("FusedApplyMomentum");
  fused.set_device(first.device);
  fused.add_input(graph.tensor_name(first.inputs[3]));  // lr
  for (int slot = 0; slot < 3; ++slot)                   // the vars, then the momentum buffers, then the grads
    for (int m : group.members) fused.add_input(graph.tensor_name(graph.nodes[m].inputs[slot]));
  std::vector<std::string> controls;
  for (int m : group.members)
    for (int c : graph.nodes[m].control_inputs) add_unique(controls, "^" + graph.nodes[c].name);
  for (const auto& c : controls) fused.add_input(c);
  std::vector<double> lr_mults, decay_mults;
  for (int m : group.members) {
    lr_mults.push_back(graph.nodes[m].attrs.f("lr_mult"));
    decay_mults.push_back(graph.nodes[m].attrs.f("decay_mult"));
  }
  AttrList attrs = {{"momentum", first.attrs.get("momentum")}, {"weight_decay", first.attrs.get("weight_decay")},
                    {"lr_mults", attr_floats(lr_mults)}, {"decay_mults", attr_floats(decay_mults)}};
  for (const auto& [name, value] : attrs) {
    proto::Attr* a = fused.add_attr();
    *a = value;
    a->set_name(name);
  }
  return fused;
}

}  // namespace

void fuse_momentum_updates(Graph& graph, std::vector<std::string>& updates, const std::string& kernel_label) {
  std::vector<Group> groups;
  std::map<GroupKey, size_t> group_of_key;
  std::vector<std::string> kept;  // updates this pass leaves alone
  for (const auto& update : updates) {
    int i = graph.index(update);
    const Node& node = graph.nodes[i];
    if (node.op != "ApplyMomentum") {
      kept.push_back(update);
      continue;
    }
    GroupKey key{node.device, graph.info(node.inputs[0]).dtype, node.attrs.f("momentum"), node.attrs.f("weight_decay"),
                 graph.tensor_name(node.inputs[3])};
    auto [it, added] = group_of_key.emplace(key, groups.size());
    if (added) groups.emplace_back();
    groups[it->second].members.push_back(i);
  }
  if (groups.empty()) return;

  std::set<std::string> taken;
  for (auto& group : groups) {
    std::string base = "sgd_update";
    if (groups.size() > 1) base += "/" + device_tag(graph.nodes[group.members[0]].device);
    group.name = unused_name(graph, taken, base);
    taken.insert(group.name);
  }
  // Where each update's output now comes from, and which update node a group replaces last.
  std::map<std::string, std::pair<std::string, int>> fused_output;  // update -> (fused node, output)
  std::map<int, size_t> emitted_at;                                 // last member -> group
  for (size_t g = 0; g < groups.size(); ++g) {
    for (size_t k = 0; k < groups[g].members.size(); ++k)
      fused_output[graph.nodes[groups[g].members[k]].name] = {groups[g].name, static_cast<int>(k)};
    emitted_at[groups[g].members.back()] = g;
  }
  auto rewire = [&](proto::Node& node) {
    std::vector<std::string> inputs;
    for (const auto& input : node.input()) {
      bool control = input.starts_with("^");
      auto [name, output] = split_tensor_name(control ? input.substr(1) : input);
      auto it = fused_output.find(name);
      if (it == fused_output.end())
        inputs.push_back(input);
      else if (control)
        add_unique(inputs, "^" + it->second.first);
      else
        inputs.push_back(fmt::format("{}:{}", it->second.first, it->second.second));
    }
    node.clear_input();
    for (auto& input : inputs) node.add_input(std::move(input));
  };

  // In node order: the group's fused node where its last update was, the other updates gone.
  proto::Graph in = to_proto(graph), out = in;
  out.clear_node();
  for (int i = 0; i < in.node_size(); ++i) {
    auto at = emitted_at.find(i);
    if (at != emitted_at.end()) {
      *out.add_node() = fused_node(graph, groups[at->second]);
    } else if (!fused_output.count(in.node(i).name())) {
      proto::Node* node = out.add_node();
      *node = in.node(i);
      rewire(*node);
    }
  }
  BuildOptions options;
  options.batch_size = graph.batch_size;
  graph = build_graph(out, options);

  updates.clear();
  for (const auto& group : groups) {
    // Built after placement: check the kernel here, as placement checks every other node's.
    int i = graph.index(group.name);
    KernelRegistry::global().select(make_node_info(graph, i, DeviceName{}), kernel_label);
    updates.push_back(group.name);
  }
  updates.insert(updates.end(), kept.begin(), kept.end());
}

}  // namespace graphrun

#include "runtime/passes/gradient_exchange.h"

#include <algorithm>
#include <tuple>

#include "core/variable_parts.h"
#include "runtime/devices/device.h"

namespace graphrun {

std::map<std::string, std::string> sum_replica_gradients(proto::Graph& graph, const Graph& forward,
                                               const std::vector<std::string>& variables,
                                               std::map<std::string, std::string>& gradient_of_variable) {
  // Replicas by logical variable, in the order the variables come (the same on every run).
  std::vector<std::string> order;
  std::map<std::string, std::vector<const Node*>> replicas;
  for (const auto& name : variables) {
    const Node& v = forward.node(name);
    auto part = variable_part(v);
    if (!part || !is_replica(*part, v.outputs[0].shape)) continue;
    if (!replicas.count(part->logical)) order.push_back(part->logical);
    replicas[part->logical].push_back(&v);
  }
  std::map<std::string, std::string> sums;
  for (size_t k = 0; k < order.size(); ++k) {
    std::vector<const Node*>& group = replicas[order[k]];
    if (group.size() < 2) continue;
    // Device order fixes the order of the sum: the same bits whatever ran first.
    std::sort(group.begin(), group.end(), [](const Node* a, const Node* b) {
      DeviceName da = parse_device_name(a->device), db = parse_device_name(b->device);
      return std::tie(da.type, da.ordinal) < std::tie(db.type, db.ordinal);
    });
    proto::Node* sum = graph.add_node();
    sum->set_name(order[k] + "/grad_sum");
    sum->set_op("AddN");
    sum->set_device(group[k % group.size()]->device);
    for (const Node* replica : group) sum->add_input(gradient_of_variable.at(replica->name));
    for (const Node* replica : group) gradient_of_variable[replica->name] = sum->name();
    sums[sum->name()] = order[k];
  }
  return sums;
}

}  // namespace graphrun

#include "runtime/passes/gradient_exchange.h"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

#include "core/attrs.h"
#include "core/device.h"
#include "core/kernel_registry.h"
#include "core/variable_parts.h"
#include "runtime/devices/cuda_info.h"

namespace graphrun {

namespace {

// Replicas on GPUs that are distinct cards (logical gpu:k is physical k mod the GPUs present)
// and a GPU kernel to sum them with: NCCL's all-reduce serves.
bool on_distinct_gpus(const std::vector<const Node*>& group) {
  if (KernelRegistry::global().find("DeviceAllReduce", DeviceType::kCUDA, DType::kFloat32).empty()) return false;
  int gpus = cuda_device_count();
  if (gpus < static_cast<int>(group.size())) return false;
  std::vector<bool> taken(gpus, false);
  for (const Node* replica : group) {
    DeviceName d = parse_device_name(replica->device);
    if (d.type != DeviceType::kCUDA || taken[d.ordinal % gpus]) return false;
    taken[d.ordinal % gpus] = true;
  }
  return true;
}

}  // namespace

std::map<std::string, std::string> sum_replica_gradients(proto::Graph& graph, const Graph& forward,
                                               const std::vector<std::string>& variables,
                                               std::map<std::string, std::string>& gradient_of_variable,
                                               ReplicaSum how) {
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
    if (how == ReplicaSum::kCollective || (how == ReplicaSum::kAuto && on_distinct_gpus(group))) {
      // One node per replica, on its device, each giving that device the sum.
      std::vector<std::string> outputs;
      for (size_t r = 0; r < group.size(); ++r) {
        proto::Node* reduce = graph.add_node();
        reduce->set_name(fmt::format("{}/grad_all_reduce_{}", order[k], r));
        reduce->set_op("DeviceAllReduce");
        reduce->set_device(group[r]->device);
        reduce->add_input(gradient_of_variable.at(group[r]->name));
        for (auto [name, value] : {std::pair<const char*, proto::Attr>{"group", attr_string(order[k] + "/grad")},
                                   {"replica", attr_int(static_cast<int64_t>(r))},
                                   {"replicas", attr_int(static_cast<int64_t>(group.size()))}}) {
          proto::Attr* a = reduce->add_attr();
          *a = value;
          a->set_name(name);
        }
        outputs.push_back(reduce->name());
      }
      for (size_t r = 0; r < group.size(); ++r) {
        gradient_of_variable[group[r]->name] = outputs[r];
        sums[outputs[r]] = order[k];
      }
      continue;
    }
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

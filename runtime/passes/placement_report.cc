#include "runtime/passes/placement_report.h"

#include <map>
#include <set>

#include "runtime/passes/memory_plan.h"

namespace graphrun {

namespace {

// The optimizer's updates: per variable, or fused per device (runtime/passes/fuse_updates.h).
bool is_update(const Node& node) { return node.def != nullptr && node.def->traits.optimizer_update; }

class ConsumerNames {
 public:
  ConsumerNames(const Graph& graph, const SplitInfo& split, const BackwardInfo& backward, const std::vector<bool>& needed)
      : graph_(graph), split_(split), backward_(backward), needed_(needed), consumers_(graph.consumers()) {}
  // The logical nodes that read node i's output, looking through the split's gathers and slices.
  std::set<std::string> of(int i) const {
    std::set<std::string> names;
    for (int c : consumers_[i]) {
      if (!needed_[c]) continue;
      const std::string& name = graph_.nodes[c].name;
      if (split_.adapters.count(name)) {
        auto more = of(c);
        names.insert(more.begin(), more.end());
      } else {
        names.insert(logical(name));
      }
    }
    return names;
  }
  // A backward node stands for its forward node; a shard for its logical node.
  std::string logical(const std::string& physical) const {
    auto fwd = backward_.forward_of.find(physical);
    if (fwd != backward_.forward_of.end()) return logical(fwd->second);
    auto it = split_.logical_of.find(physical);
    return it == split_.logical_of.end() ? physical : it->second;
  }

 private:
  const Graph& graph_;
  const SplitInfo& split_;
  const BackwardInfo& backward_;
  const std::vector<bool>& needed_;
  std::vector<std::vector<int>> consumers_;
};

// What one GPU of a DeviceAllReduce group sends: NCCL's ring passes 2 (N - 1) / N of the tensor
// to the next GPU of the ring (a reduce-scatter, then an all-gather). `device_of` maps each
// group's (name, replica) to its device.
TransferReport ring_share(const Node& node, const std::map<std::pair<std::string, int64_t>, std::string>& device_of,
                          const BackwardInfo& backward) {
  const std::string& group = node.attrs.s("group");
  const int64_t replica = node.attrs.i("replica"), replicas = node.attrs.i("replicas");
  const TensorInfo& info = node.outputs[0];
  TransferReport t;
  t.tensor = node.name;
  t.from = node.device;
  auto next = device_of.find({group, (replica + 1) % replicas});
  t.to = next != device_of.end() ? next->second : "?";
  t.bytes = 2 * (replicas - 1) * info.shape.num_elements() * static_cast<int64_t>(dtype_size(info.dtype)) / replicas;
  t.pass = "backward";
  auto grad = backward.gradient_of.find(node.name);
  t.gradient_of = grad != backward.gradient_of.end() ? grad->second : group;
  t.consumer = "all-reduce of " + t.gradient_of;
  return t;
}

}  // namespace

PlacementReport report_placement(const Graph& graph, const std::vector<std::string>& devices, const SplitInfo& split,
                                 const BackwardInfo& backward, const std::vector<std::string>& run) {
  PlacementReport report;
  std::map<std::string, size_t> index;
  for (const auto& d : devices) {
    index[d] = report.devices.size();
    report.devices.push_back({.name = d});
  }
  std::vector<bool> needed = graph.ancestors_of(run);
  ConsumerNames consumers(graph, split, backward, needed);
  std::map<std::pair<std::string, int64_t>, std::string> all_reduce_device;  // (group, replica) -> device
  for (int i : graph.nodes_with_op("DeviceAllReduce"))
    all_reduce_device[{graph.nodes[i].attrs.s("group"), graph.nodes[i].attrs.i("replica")}] = graph.nodes[i].device;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (!needed[i]) continue;
    const Node& node = graph.nodes[i];
    auto at = index.find(node.device);
    if (at == index.end()) continue;
    DeviceReport& d = report.devices[at->second];
    ++d.nodes;
    d.flops += node.cost.flops;
    for (const auto& out : node.outputs)
      if (node.op == "Variable" && node.attrs.b("trainable")) d.parameters += out.shape.num_elements();
    if (node.op == "DeviceAllReduce") {
      report.transfers.push_back(ring_share(node, all_reduce_device, backward));
      continue;
    }
    if (node.op != "Recv") continue;
    const Node& send = graph.nodes[node.inputs[0].node];
    TransferReport t;
    t.tensor = graph.tensor_name(send.inputs[0]);
    t.from = send.device;
    t.to = node.device;
    const TensorInfo& info = graph.info(send.inputs[0]);
    t.bytes = info.shape.num_elements() * static_cast<int64_t>(dtype_size(info.dtype));
    auto grad = backward.gradient_of.find(t.tensor);
    if (grad != backward.gradient_of.end()) {
      t.pass = "backward";
      t.gradient_of = grad->second;
      t.consumer = consumers.logical(split_tensor_name(grad->second).first);
    } else {
      std::set<std::string> readers = consumers.of(static_cast<int>(i));
      bool update = true;
      for (const auto& r : readers) update = update && graph.find(r) >= 0 && is_update(graph.node(r));
      t.pass = update && !readers.empty() ? "update" : "forward";
      for (const auto& r : readers) t.consumer += (t.consumer.empty() ? "" : ",") + r;
    }
    report.transfers.push_back(t);
  }
  // The step's fetches and targets stay alive to its end, as the executor keeps them.
  std::map<std::string, DeviceMemoryPlan> memory = plan_step_memory(graph, run, {}, devices.empty() ? "cpu:0" : devices[0]);
  for (DeviceReport& d : report.devices) {
    auto it = memory.find(d.name);
    if (it == memory.end()) continue;
    d.variable_bytes = it->second.variable_bytes;
    d.peak_bytes = it->second.peak_bytes;
    d.peak_node = it->second.peak_node;
  }
  return report;
}

}  // namespace graphrun

#include "runtime/passes/memory_plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/device.h"
#include "core/error.h"

namespace graphrun {

int aliased_input(const Node& node, int output) {
  if (node.def == nullptr || node.def->traits.first_aliased_input < 0 || node.inputs.empty()) return -1;
  return std::min(node.def->traits.first_aliased_input + output, static_cast<int>(node.inputs.size()) - 1);
}

std::map<std::string, DeviceMemoryPlan> plan_memory(const Graph& graph, const std::vector<bool>& needed,
                                                    const std::vector<TensorRef>& kept,
                                                    const std::string& default_device) {
  const int n = static_cast<int>(graph.nodes.size());
  auto device_of = [&](int node) {
    const std::string& d = graph.nodes[node].device;
    return d.empty() ? default_device : d;
  };
  auto bytes_of = [](const TensorInfo& info) {
    return static_cast<double>(info.shape.num_elements()) * static_cast<double>(dtype_size(info.dtype));
  };
  std::map<std::string, DeviceMemoryPlan> plans;

  // Buffers: each allocating output is one; a view's output names its input's buffer. A buffer
  // is freed when every tensor naming it has been released.
  struct Buffer {
    std::string device;
    double bytes = 0;
    int holders = 0;  // tensors (node outputs) naming this buffer and not yet released
    bool resident = false;  // variables and feeds: never part of the step's live set
  };
  std::vector<Buffer> buffers;
  std::vector<std::vector<int>> buffer_of(n);  // by node, by output
  std::vector<std::vector<int>> readers_left(n);
  for (int i = 0; i < n; ++i) {
    buffer_of[i].assign(graph.nodes[i].outputs.size(), -1);
    readers_left[i].assign(graph.nodes[i].outputs.size(), 0);
  }
  for (int i = 0; i < n; ++i) {
    if (!needed[i]) continue;
    std::set<std::pair<int, int>> read;  // a node reading a tensor twice releases it once
    for (const auto& ref : graph.nodes[i].inputs)
      if (read.insert({ref.node, ref.output}).second) ++readers_left[ref.node][ref.output];
  }
  auto is_kept = [&](int node, int output) {
    if (graph.nodes[node].op == "Send") return true;  // another device's stream reads it
    return std::any_of(kept.begin(), kept.end(),
                       [&](const TensorRef& r) { return r.node == node && (r.output == output || r.output < 0); });
  };
  std::map<std::string, double> live;
  auto release = [&](int node, int output) {
    int b = buffer_of[node][output];
    if (b < 0 || --buffers[b].holders > 0 || buffers[b].resident) return;
    live[buffers[b].device] -= buffers[b].bytes;
  };

  // An output its op lets reuse an input's buffer (OpDef::reuse_input) takes it over when this
  // node is the input's last reader and no other tensor names the buffer: -1 if none.
  auto reusable_buffer = [&](int i, int k) {
    const Node& node = graph.nodes[i];
    if (node.def == nullptr) return -1;
    for (auto [out, in] : node.def->reuse_input) {
      if (out != k || in >= static_cast<int>(node.inputs.size())) continue;
      const TensorRef& ref = node.inputs[in];
      int b = buffer_of[ref.node][ref.output];
      if (b < 0 || buffers[b].resident || buffers[b].holders != 1 || readers_left[ref.node][ref.output] != 1 ||
          is_kept(ref.node, ref.output) || buffers[b].bytes != bytes_of(node.outputs[k]))
        continue;
      return b;
    }
    return -1;
  };

  // Variables and feeds are resident from the start of the step to its end.
  auto resident = [&](int node) { return graph.nodes[node].op == "Variable" || graph.nodes[node].op == "Placeholder"; };
  for (int i = 0; i < n; ++i) {
    if (!needed[i] || !resident(i)) continue;
    DeviceMemoryPlan& plan = plans[device_of(i)];
    for (const auto& out : graph.nodes[i].outputs)
      (graph.nodes[i].op == "Variable" ? plan.variable_bytes : plan.feed_bytes) += bytes_of(out);
  }
  for (int i = 0; i < n; ++i) {
    if (!needed[i]) continue;
    const Node& node = graph.nodes[i];
    const std::string device = device_of(i);
    DeviceMemoryPlan& plan = plans[device];
    for (size_t k = 0; k < node.outputs.size(); ++k) {
      const double bytes = bytes_of(node.outputs[k]);
      if (resident(i)) {
        buffers.push_back({device, bytes, 1, true});
      } else if (int b = reusable_buffer(i, static_cast<int>(k)); b >= 0) {
        ++buffers[b].holders;  // the input's buffer, taken over (the executor's reuse_inputs)
        buffer_of[i][k] = b;
        continue;
      } else if (int from = aliased_input(node, static_cast<int>(k)); from >= 0) {
        const TensorRef& source = node.inputs[from];
        int b = buffer_of[source.node][source.output];
        if (b >= 0) ++buffers[b].holders;
        buffer_of[i][k] = b;
        continue;
      } else {
        buffers.push_back({device, bytes, 1, false});
        live[device] += bytes;
      }
      buffer_of[i][k] = static_cast<int>(buffers.size()) - 1;
    }
    // The node's outputs and its inputs are all alive while it runs.
    const double now = plan.variable_bytes + plan.feed_bytes + live[device];
    if (now > plan.peak_bytes) plan.peak_bytes = now, plan.peak_node = node.name;
    std::set<std::pair<int, int>> read;
    for (const auto& ref : node.inputs)
      if (read.insert({ref.node, ref.output}).second && --readers_left[ref.node][ref.output] == 0 &&
          !is_kept(ref.node, ref.output))
        release(ref.node, ref.output);
    for (size_t k = 0; k < node.outputs.size(); ++k)
      if (readers_left[i][k] == 0 && !is_kept(i, static_cast<int>(k))) release(i, static_cast<int>(k));
  }
  return plans;
}

std::map<std::string, DeviceMemoryPlan> plan_step_memory(const Graph& graph, const std::vector<std::string>& fetches,
                                                         const std::vector<std::string>& targets,
                                                         const std::string& default_device) {
  std::vector<std::string> run = fetches;
  run.insert(run.end(), targets.begin(), targets.end());
  std::vector<TensorRef> kept;
  for (const auto& name : fetches)
    kept.push_back(graph.find(name) >= 0 ? TensorRef{graph.index(name), -1} : graph.resolve(name));
  return plan_memory(graph, graph.ancestors_of(run), kept, default_device);
}

void check_memory_fits(const std::map<std::string, DeviceMemoryPlan>& plans, const std::string& what) {
  struct Need {
    double bytes = 0;
    size_t capacity = 0;
    std::string devices;
  };
  std::map<std::string, Need> by_space;
  for (const auto& [device, plan] : plans) {
    Device::MemorySpace space = get_device(device).memory_space();
    Need& need = by_space[space.name];
    need.bytes += plan.peak_bytes;
    need.capacity = space.bytes;
    if (!need.devices.empty()) need.devices += '+';
    need.devices += device;
  }
  constexpr double kGiB = 1 << 30;
  for (const auto& [space, need] : by_space)
    if (need.capacity > 0 && need.bytes > static_cast<double>(need.capacity))
      fail("{} needs about {:.1f} GiB on {} (the memory plan's peak), more than the {:.1f} GiB of {}: use a smaller "
           "--batch-size",
           what, need.bytes / kGiB, need.devices, static_cast<double>(need.capacity) / kGiB, space);
}

}  // namespace graphrun

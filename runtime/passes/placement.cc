#include "runtime/passes/placement.h"

#include <fmt/ranges.h>

#include "core/error.h"

namespace graphrun {

std::vector<DeviceName> parse_device_list(const std::string& text) {
  std::vector<DeviceName> devices;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (item.empty()) fail("--devices '{}': empty device name (expected e.g. cpu:0,cpu:1)", text);
    DeviceName d = parse_device_name(item);
    for (const auto& seen : devices)
      if (seen == d) fail("--devices '{}': {} is listed twice", text, d.str());
    devices.push_back(d);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return devices;
}

std::string device_list_str(const std::vector<DeviceName>& devices) {
  std::vector<std::string> names;
  for (const auto& d : devices) names.push_back(d.str());
  return fmt::format("{}", fmt::join(names, ","));
}

NodeInfo make_node_info(const Graph& graph, int i, const DeviceName& fallback_device) {
  const Node& node = graph.nodes[i];
  NodeInfo info;
  info.name = node.name;
  info.op = node.op;
  info.attrs = node.attrs;
  for (const auto& ref : node.inputs) info.inputs.push_back(graph.info(ref));
  info.outputs = node.outputs;
  info.device = node.device.empty() ? fallback_device : parse_device_name(node.device);
  return info;
}

void place(Graph& graph, const std::vector<DeviceName>& devices, const std::string& kernel_label) {
  if (devices.empty()) fail("no devices to place graph '{}' on", graph.name);
  auto in_set = [&](const Node& node) {
    DeviceName d = parse_device_name(node.device);
    for (const auto& device : devices)
      if (device == d) return device.str();
    fail("{} '{}' is placed on {}, which is not among the devices ({})", node.op, node.name, node.device,
         device_list_str(devices));
  };
  std::vector<bool> explicit_device(graph.nodes.size());
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    Node& node = graph.nodes[i];
    explicit_device[i] = !node.device.empty();
    if (explicit_device[i]) node.device = in_set(node);  // normalized: "cuda:1" -> "gpu:1"
  }
  std::vector<std::vector<int>> consumers = graph.consumers();
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    Node& node = graph.nodes[i];
    if (!node.device.empty() || node.op != "Variable") continue;
    for (int c : consumers[i])
      if (explicit_device[c]) {
        node.device = graph.nodes[c].device;
        break;
      }
  }
  for (auto& node : graph.nodes) {
    if (!node.device.empty()) continue;
    node.device = node.inputs.empty() ? devices[0].str() : graph.nodes[node.inputs[0].node].device;
  }
  // A node with no kernel on its device is an error now, listing the kernels there are.
  for (int i = 0; i < static_cast<int>(graph.nodes.size()); ++i)
    KernelRegistry::global().select(make_node_info(graph, i, devices[0]), kernel_label);
}

}  // namespace graphrun

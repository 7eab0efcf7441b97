#include "runtime/exec/profile.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace graphrun {

Profile::Profile(const Graph& graph, std::vector<std::string> devices) : graph_(graph), devices_(std::move(devices)) {
  GR_CHECK(devices_.size() == graph_.nodes.size(), "{} device names for {} nodes", devices_.size(), graph_.nodes.size());
}

void Profile::add_run(const std::vector<NodeTiming>& timings) {
  for (const NodeTiming& t : timings)
    GR_CHECK(t.node >= 0 && t.node < static_cast<int>(graph_.nodes.size()), "a timing of node {}", t.node);
  runs_.push_back(timings);
}

double Profile::node_ms_per_run() const {
  double us = 0;
  for (const auto& run : runs_)
    for (const NodeTiming& t : run) us += t.end_us - t.start_us;
  return runs_.empty() ? 0 : us / 1000.0 / static_cast<double>(runs_.size());
}

std::string Profile::table(int top) const {
  if (runs_.empty()) return "profile: no runs\n";
  const double n = static_cast<double>(runs_.size());
  std::map<int, double> node_us;
  std::map<std::string, std::pair<double, std::vector<int>>> op_us;  // op -> (time, distinct nodes)
  for (const auto& run : runs_)
    for (const NodeTiming& t : run) {
      node_us[t.node] += t.end_us - t.start_us;
      auto& [us, nodes] = op_us[graph_.nodes[t.node].op];
      us += t.end_us - t.start_us;
      if (std::find(nodes.begin(), nodes.end(), t.node) == nodes.end()) nodes.push_back(t.node);
    }
  const double total_ms = node_ms_per_run();
  auto share = [&](double us) { return total_ms > 0 ? 100.0 * us / n / 1000.0 / total_ms : 0.0; };
  std::string out = fmt::format("profile of {} run{}: {:.2f} ms a run in {} nodes (summed over threads and devices)\n",
                                runs_.size(), runs_.size() == 1 ? "" : "s", total_ms, node_us.size());
  std::vector<std::pair<std::string, double>> ops;
  for (const auto& [op, entry] : op_us) ops.emplace_back(op, entry.first);
  std::sort(ops.begin(), ops.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  out += fmt::format("  {:<30} {:>10} {:>7} {:>6}\n", "op", "ms/run", "share", "nodes");
  for (const auto& [op, us] : ops)
    out += fmt::format("  {:<30} {:>10.3f} {:>6.1f}% {:>6}\n", op, us / n / 1000.0, share(us), op_us.at(op).second.size());
  std::vector<std::pair<int, double>> nodes(node_us.begin(), node_us.end());
  std::sort(nodes.begin(), nodes.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  if (static_cast<int>(nodes.size()) > top) nodes.resize(std::max(top, 0));
  out += fmt::format("  {:<30} {:>10} {:>7}  {:<24} {}\n", "slowest nodes", "ms/run", "share", "op", "device");
  for (const auto& [node, us] : nodes)
    out += fmt::format("  {:<30} {:>10.3f} {:>6.1f}%  {:<24} {}\n", graph_.nodes[node].name, us / n / 1000.0, share(us),
                       graph_.nodes[node].op, devices_[node]);
  return out;
}

std::string Profile::chrome_trace() const {
  // One "process" per device, one "thread" per host thread: a row per (device, thread).
  std::vector<std::string> device_names;
  for (const auto& run : runs_)
    for (const NodeTiming& t : run)
      if (std::find(device_names.begin(), device_names.end(), devices_[t.node]) == device_names.end())
        device_names.push_back(devices_[t.node]);
  std::sort(device_names.begin(), device_names.end());
  auto pid = [&](int node) {
    return std::find(device_names.begin(), device_names.end(), devices_[node]) - device_names.begin();
  };
  double origin = INFINITY;
  for (const auto& run : runs_)
    for (const NodeTiming& t : run) origin = std::min(origin, t.start_us);
  nlohmann::json events = nlohmann::json::array();
  for (size_t i = 0; i < device_names.size(); ++i)
    events.push_back({{"name", "process_name"}, {"ph", "M"}, {"pid", i}, {"args", {{"name", device_names[i]}}}});
  for (size_t r = 0; r < runs_.size(); ++r)
    for (const NodeTiming& t : runs_[r]) {
      const Node& node = graph_.nodes[t.node];
      events.push_back({{"name", node.name}, {"cat", node.op}, {"ph", "X"}, {"ts", t.start_us - origin},
                        {"dur", t.end_us - t.start_us}, {"pid", pid(t.node)}, {"tid", t.thread},
                        {"args", {{"op", node.op}, {"run", r}}}});
    }
  return nlohmann::json{{"traceEvents", events}, {"displayTimeUnit", "ms"}}.dump() + "\n";
}

}  // namespace graphrun

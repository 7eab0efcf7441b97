#include "runtime/exec/profile.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

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

double Profile::step_ms_per_run() const {
  double us = 0;
  for (const auto& run : runs_) {
    if (run.empty()) continue;
    double first = INFINITY, last = -INFINITY;
    for (const NodeTiming& t : run) {
      first = std::min(first, t.start_us);
      last = std::max(last, t.end_us);
    }
    us += last - first;
  }
  return runs_.empty() ? 0 : us / 1000.0 / static_cast<double>(runs_.size());
}

double Profile::flops_per_run() const {
  double flops = 0;
  for (const auto& run : runs_)
    for (const NodeTiming& t : run) flops += graph_.nodes[t.node].cost.flops;
  return runs_.empty() ? 0 : flops / static_cast<double>(runs_.size());
}

double Profile::step_gflops() const {
  const double ms = step_ms_per_run();
  return ms > 0 ? flops_per_run() / ms / 1e6 : 0;
}

std::vector<Profile::OpType> Profile::op_types() const {
  const double n = static_cast<double>(std::max<size_t>(runs_.size(), 1));
  std::map<std::string, std::pair<OpType, std::set<int>>> by_op;  // op -> (sums, distinct nodes)
  for (const auto& run : runs_)
    for (const NodeTiming& t : run) {
      const Node& node = graph_.nodes[t.node];
      auto& [entry, nodes] = by_op[node.op];
      entry.op = node.op;
      entry.ms_per_run += (t.end_us - t.start_us) / 1000.0 / n;
      entry.flops_per_run += node.cost.flops / n;
      nodes.insert(t.node);
    }
  std::vector<OpType> ops;
  for (auto& [op, entry] : by_op) {
    entry.first.nodes = static_cast<int>(entry.second.size());
    ops.push_back(entry.first);
  }
  std::stable_sort(ops.begin(), ops.end(), [](const OpType& a, const OpType& b) { return a.ms_per_run > b.ms_per_run; });
  return ops;
}

std::string Profile::table(int top, double peak_gflops) const {
  if (runs_.empty()) return "profile: no runs\n";
  const double n = static_cast<double>(runs_.size());
  std::map<int, double> node_us;
  for (const auto& run : runs_)
    for (const NodeTiming& t : run) node_us[t.node] += t.end_us - t.start_us;
  const double total_ms = node_ms_per_run();
  auto share = [&](double ms) { return total_ms > 0 ? 100.0 * ms / total_ms : 0.0; };
  std::string out = fmt::format("profile of {} run{}: {:.2f} ms a run in {} nodes (summed over threads and devices)\n",
                                runs_.size(), runs_.size() == 1 ? "" : "s", total_ms, node_us.size());
  out += fmt::format("  step: {:.2f} ms wall, {:.3f} GFLOP, {:.1f} GFLOP/s", step_ms_per_run(), flops_per_run() / 1e9,
                     step_gflops());
  if (peak_gflops > 0)
    out += fmt::format(", {:.1f}% of the fp32 peak ({:.1f} GFLOP/s)", 100.0 * step_gflops() / peak_gflops, peak_gflops);
  out += "\n";
  out += fmt::format("  {:<30} {:>10} {:>7} {:>6} {:>9}\n", "op", "ms/run", "share", "nodes", "GFLOP/s");
  for (const OpType& op : op_types()) {
    std::string gflops = op.flops_per_run > 0 ? fmt::format("{:.1f}", op.gflops()) : "-";
    out += fmt::format("  {:<30} {:>10.3f} {:>6.1f}% {:>6} {:>9}\n", op.op, op.ms_per_run, share(op.ms_per_run), op.nodes,
                       gflops);
  }
  std::vector<std::pair<int, double>> nodes(node_us.begin(), node_us.end());
  std::sort(nodes.begin(), nodes.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  if (static_cast<int>(nodes.size()) > top) nodes.resize(std::max(top, 0));
  out += fmt::format("  {:<30} {:>10} {:>7}  {:<24} {}\n", "slowest nodes", "ms/run", "share", "op", "device");
  for (const auto& [node, us] : nodes)
    out += fmt::format("  {:<30} {:>10.3f} {:>6.1f}%  {:<24} {}\n", graph_.nodes[node].name, us / n / 1000.0,
                       share(us / n / 1000.0), graph_.nodes[node].op, devices_[node]);
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

// graphrun inspect GRAPH [--json]: per node its op, device, output shape, parameters and FLOPs
// per sample, and the totals.
#include <fmt/ranges.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "tools/graphrun/cli_common.h"

namespace graphrun::cli {

namespace {

struct InspectArgs {
  std::string graph;
  bool json = false;
};

std::string shapes_str(const Node& node) {
  std::vector<std::string> parts;
  for (const auto& out : node.outputs) parts.push_back(out.shape.str());
  return fmt::format("{}", fmt::join(parts, " "));
}

void inspect(const InspectArgs& args) {
  Graph graph = load_graph_for(args.graph, 1);  // batch 1: costs are per sample
  double flops = 0;
  for (const auto& node : graph.nodes) flops += node.cost.flops;
  int64_t params = total_parameters(graph);

  if (args.json) {
    nlohmann::ordered_json out;
    out["graph"] = graph.name;
    out["parameters"] = params;
    out["flops_forward"] = flops;
    out["nodes"] = nlohmann::json::array();
    for (const auto& node : graph.nodes) {
      nlohmann::ordered_json n;
      n["name"] = node.name;
      n["op"] = node.op;
      n["device"] = node.device;
      n["output_shapes"] = nlohmann::json::array();
      for (const auto& o : node.outputs) n["output_shapes"].push_back(o.shape.dims());
      n["dtype"] = dtype_name(node.outputs.empty() ? DType::kInvalid : node.outputs[0].dtype);
      n["parameters"] = node_parameters(graph, node);
      n["flops"] = node.cost.flops;
      n["implicit"] = node.implicit;
      out["nodes"].push_back(n);
    }
    out["variables"] = nlohmann::json::array();
    for (int i : graph.nodes_with_op("Variable"))
      out["variables"].push_back({{"name", graph.nodes[i].name}, {"shape", graph.nodes[i].outputs[0].shape.dims()}});
    std::cout << out.dump(2) << "\n";
    return;
  }

  fmt::print("graph '{}'{}\n", graph.name, graph.doc.empty() ? "" : ": " + graph.doc);
  fmt::print("{:<20} {:<16} {:<8} {:<22} {:>12} {:>10}\n", "node", "op", "device", "output (per sample)",
             "parameters", "FLOPs");
  for (const auto& node : graph.nodes) {
    if (node.implicit) continue;  // shown as its owner's parameters
    int64_t p = node_parameters(graph, node);
    fmt::print("{:<20} {:<16} {:<8} {:<22} {:>12} {:>10}\n", node.name, node.op,
               node.device.empty() ? "-" : node.device, shapes_str(node), p == 0 ? "" : fmt::format("{:L}", p),
               node.cost.flops == 0 ? "" : human(node.cost.flops));
  }
  fmt::print("total: {} nodes, {} parameters ({} bytes as float32), {} FLOPs per sample forward\n",
             graph.nodes.size(), params, human(4.0 * static_cast<double>(params)), human(flops));
}

}  // namespace

void add_inspect(CLI::App& app) {
  auto args = std::make_shared<InspectArgs>();
  CLI::App* sub = app.add_subcommand("inspect", "Show every node's op, output shape, parameters and FLOPs");
  sub->add_option("graph", args->graph, "graph file (.pbtxt, .pb or .onnx)")->required();
  sub->add_flag("--json", args->json, "machine-readable output");
  sub->callback([args] { inspect(*args); });
}

}  // namespace graphrun::cli

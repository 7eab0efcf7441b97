// graphrun dot GRAPH: Graphviz DOT with output shapes on the edges. Render with
// `graphrun dot g.pbtxt | dot -Tpng -o g.png`. With --placement --devices cpu:0,cpu:1 it draws
// the split, placed graph as the paper's Figure 2: one box per device, nodes coloured by
// device, the edges that cross devices bold.
#include <iostream>

#include "runtime/passes/compile.h"
#include "runtime/passes/placement.h"
#include "tools/graphrun/cli_common.h"

namespace graphrun::cli {

namespace {

struct DotArgs {
  std::string graph;
  bool params = false;
  bool placement = false;
  std::string devices = "cpu:0,cpu:1", parallel = "model";
  int64_t batch_size = 0;
};

const char* device_colour(size_t k) {
  static const char* colours[] = {"#dbe8fb", "#fde2cf", "#dff3df", "#f3def3"};
  return colours[k % 4];
}

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

void dot(const DotArgs& args) {
  // The batch shows on the edges; a data-parallel placement needs one the devices can share.
  int64_t batch = args.batch_size;
  if (batch == 0 && args.placement && args.parallel != "model") {
    int64_t graph_batch = load_graph_for(args.graph, 1).training.batch_size();
    batch = graph_batch > 0 ? graph_batch : 128;
  }
  Graph graph = load_graph_for(args.graph, batch > 0 ? batch : 1);
  std::vector<std::string> devices;
  std::vector<bool> shown(graph.nodes.size(), true);
  if (args.placement) {
    CompileOptions options = compile_options_for(args.devices, args.parallel);
    for (const auto& d : options.devices) devices.push_back(d.str());
    std::vector<std::string> outputs = default_fetches(graph);
    graph = compile_placed(graph, options).graph;
    shown = graph.ancestors_of(outputs);  // not the gathers kept only for fetching a layer by name
  }
  fmt::print("digraph \"{}\" {{\n  rankdir=TB;\n  node [shape=box, style=\"rounded,filled\", fillcolor=\"#eef3fb\", "
             "fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n",
             escape(graph.name));
  auto hidden = [&](const Node& n) {
    return !shown[&n - graph.nodes.data()] || ((n.implicit || (args.placement && n.op == "Variable")) && !args.params);
  };
  auto print_node = [&](int i, const char* fill) {
    const Node& node = graph.nodes[i];
    int64_t p = node_parameters(graph, node);
    std::string label = fmt::format("{}\\n{}", escape(node.name), node.op);
    if (p > 0) label += fmt::format("\\n{} params", human(static_cast<double>(p)));
    fmt::print("  n{} [label=\"{}\", fillcolor=\"{}\"];\n", i, label, fill);
  };
  if (args.placement) {
    for (size_t k = 0; k < devices.size(); ++k) {
      fmt::print("  subgraph cluster_{} {{\n  label=\"{}\"; style=dashed;\n", k, devices[k]);
      for (int i = 0; i < static_cast<int>(graph.nodes.size()); ++i)
        if (!hidden(graph.nodes[i]) && graph.nodes[i].device == devices[k]) print_node(i, device_colour(k));
      fmt::print("  }}\n");
    }
  } else {
    for (int i = 0; i < static_cast<int>(graph.nodes.size()); ++i) {
      const Node& node = graph.nodes[i];
      if (!hidden(node))
        print_node(i, node.op == "Placeholder" ? "#fde9c9" : node.op == "Variable" ? "#e4f3e4" : "#eef3fb");
    }
  }
  for (int i = 0; i < static_cast<int>(graph.nodes.size()); ++i) {
    if (hidden(graph.nodes[i])) continue;
    for (const auto& ref : graph.nodes[i].inputs) {
      if (hidden(graph.nodes[ref.node])) continue;
      bool crosses = args.placement && graph.nodes[ref.node].device != graph.nodes[i].device &&
                     graph.nodes[ref.node].op != "Placeholder";
      fmt::print("  n{} -> n{} [label=\"{}\"{}];\n", ref.node, i, graph.info(ref).shape.str(),
                 crosses ? ", penwidth=3, color=\"#c0392b\", fontcolor=\"#c0392b\"" : "");
    }
  }
  fmt::print("}}\n");
}

}  // namespace

void add_dot(CLI::App& app) {
  auto args = std::make_shared<DotArgs>();
  CLI::App* sub = app.add_subcommand("dot", "Print the graph as Graphviz DOT (shapes on edges)");
  sub->add_option("graph", args->graph, "graph file (.pbtxt, .pb or .onnx)")->required();
  sub->add_flag("--params", args->params, "also draw the implicit parameter Variables");
  sub->add_flag("--placement", args->placement,
                "draw the graph split and placed on --devices: nodes coloured by device, cross-device edges bold");
  sub->add_option("--devices", args->devices, "devices for --placement")->capture_default_str();
  add_parallel_option(sub, args->parallel);
  sub->add_option("--batch-size", args->batch_size,
                  "batch size on the edges (default 1; with --parallel data or hybrid the graph's, else 128)");
  sub->callback([args] { dot(*args); });
}

}  // namespace graphrun::cli

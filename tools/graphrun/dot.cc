// graphrun dot GRAPH: Graphviz DOT with output shapes on the edges. Render with
// `graphrun dot g.pbtxt | dot -Tpng -o g.png`.
#include <iostream>

#include "tools/graphrun/cli_common.h"

namespace graphrun::cli {

namespace {

struct DotArgs {
  std::string graph;
  bool params = false;
};

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

void dot(const DotArgs& args) {
  Graph graph = load_graph_for(args.graph, 1);
  fmt::print("digraph \"{}\" {{\n  rankdir=TB;\n  node [shape=box, style=\"rounded,filled\", fillcolor=\"#eef3fb\", "
             "fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n",
             escape(graph.name));
  auto hidden = [&](const Node& n) { return n.implicit && !args.params; };
  for (int i = 0; i < static_cast<int>(graph.nodes.size()); ++i) {
    const Node& node = graph.nodes[i];
    if (hidden(node)) continue;
    int64_t p = node_parameters(graph, node);
    std::string label = fmt::format("{}\\n{}", escape(node.name), node.op);
    if (p > 0) label += fmt::format("\\n{} params", human(static_cast<double>(p)));
    const char* fill = node.op == "Placeholder" ? "#fde9c9" : node.op == "Variable" ? "#e4f3e4" : "#eef3fb";
    fmt::print("  n{} [label=\"{}\", fillcolor=\"{}\"];\n", i, label, fill);
  }
  for (int i = 0; i < static_cast<int>(graph.nodes.size()); ++i) {
    for (const auto& ref : graph.nodes[i].inputs) {
      if (hidden(graph.nodes[ref.node])) continue;
      fmt::print("  n{} -> n{} [label=\"{}\"];\n", ref.node, i, graph.info(ref).shape.str());
    }
  }
  fmt::print("}}\n");
}

}  // namespace

void add_dot(CLI::App& app) {
  auto args = std::make_shared<DotArgs>();
  CLI::App* sub = app.add_subcommand("dot", "Print the graph as Graphviz DOT (shapes on edges)");
  sub->add_option("graph", args->graph, "graph file (.pbtxt or .pb)")->required();
  sub->add_flag("--params", args->params, "also draw the implicit parameter Variables");
  sub->callback([args] { dot(*args); });
}

}  // namespace graphrun::cli

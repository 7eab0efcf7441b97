// graphrun export GRAPH -o model.onnx: the graph's inference part and its weights as an ONNX
// model (core/onnx/onnx_export.h), for ONNX Runtime, TensorRT and other frameworks.
#include "core/onnx/onnx_export.h"
#include "tools/graphrun/cli_common.h"

namespace graphrun::cli {

namespace {
struct ExportArgs {
  std::string graph, weights, output;
  int opset = 14;
  uint64_t seed = 1;
};
}  // namespace

void add_onnx_export(CLI::App& app) {
  auto a = std::make_shared<ExportArgs>();
  CLI::App* sub = app.add_subcommand("export", "Write a graph and its weights as an ONNX model (inference part)");
  sub->add_option("graph", a->graph, "graph file (.pbtxt, .pb or .onnx)")->required();
  sub->add_option("--weights", a->weights, "weights (.npz or a checkpoint); default: the graph's own values or initializers");
  sub->add_option("-o,--output", a->output, "the .onnx file to write")->required();
  sub->add_option("--opset", a->opset, "ONNX opset to write, 13 to 17")->capture_default_str();
  sub->add_option("--seed", a->seed, "seed of the initializers when no --weights are given")->capture_default_str();
  sub->callback([a] {
    Graph graph = without_loss(load_graph_for(a->graph, 1));  // inference: no loss, no labels input
    VariableStore vars;
    if (!a->weights.empty()) load_weights(vars, graph, a->weights);
    vars.initialize(graph, a->seed);
    int nodes = export_onnx(graph, vars, a->output, {.opset = a->opset});
    fmt::print("{}: graph '{}', {} ONNX nodes, opset {}\n", a->output, graph.name, nodes, a->opset);
  });
}

}  // namespace graphrun::cli

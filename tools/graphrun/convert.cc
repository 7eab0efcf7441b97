// graphrun convert IN OUT: text <-> binary, chosen by the extensions. The graph is validated
// first (unless --no-check), so a broken graph never becomes a .pb. An ONNX model converts to a
// graph file and its weights, an .npz beside it (model.pbtxt -> model.npz). --dense Q writes the
// graph `eval --dense` evaluates at scale Q (runtime/train/dense_eval.h), to inspect, draw or run.
#include <filesystem>

#include "core/graph_io.h"
#include "core/npz.h"
#include "core/onnx/onnx_import.h"
#include "core/plugin_host.h"
#include "runtime/train/dense_eval.h"
#include "tools/graphrun/cli_common.h"

namespace graphrun::cli {

namespace {
struct ConvertArgs {
  std::string in, out;
  bool no_check = false;
  int64_t dense = 0;
};
}  // namespace

void add_convert(CLI::App& app) {
  auto args = std::make_shared<ConvertArgs>();
  CLI::App* sub = app.add_subcommand("convert", "Convert a graph file between text (.pbtxt) and binary (.pb), or an ONNX model to a graph file and its weights (.npz beside it)");
  sub->add_option("input", args->in, "graph file to read")->required();
  sub->add_option("output", args->out, "graph file to write; .pb is binary, anything else text")->required();
  sub->add_flag("--no-check", args->no_check, "convert without validating the graph");
  sub->add_option("--dense", args->dense,
                  "write the graph made fully convolutional for a QxQ input (the FC layers as convolutions, "
                  "the score map averaged into 'dense_logits'), as eval --dense runs it");
  sub->callback([args] {
    proto::Graph graph = read_graph_file(args->in);
    if (args->dense != 0) {
      if (args->dense < 1) fail("--dense: {} is not a positive size", args->dense);
      load_graph_plugins(graph, args->in);
      write_graph_file(dense_evaluation_graph(build_graph(graph), args->dense, args->dense).graph, args->out);
      return;
    }
    if (!args->no_check) {
      load_graph_plugins(graph, args->in);
      try {
        build_graph(graph);
      } catch (const Error& e) {
        fail("{}: {}", args->in, e.what());
      }
    }
    if (!is_onnx_path(args->in)) {
      write_graph_file(graph, args->out);
      return;
    }
    std::map<std::string, Tensor> weights = take_initial_values(graph);
    std::string npz = std::filesystem::path(args->out).replace_extension(".npz").string();
    write_graph_file(graph, args->out);
    write_npz(npz, weights);
    fmt::print("{}: {} nodes; {}: {} weights\n", args->out, graph.node_size(), npz, weights.size());
  });
}

}  // namespace graphrun::cli

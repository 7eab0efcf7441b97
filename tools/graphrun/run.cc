// graphrun run GRAPH: one forward pass. Inputs come from .npy files or are random; weights from
// an .npz or the graph's initializers. A classifier's output is shown as top-5 classes.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>

#include "core/npz.h"
#include "runtime/exec/executor.h"
#include "tools/graphrun/cli_common.h"

namespace graphrun::cli {

namespace {

struct RunArgs {
  std::string graph;
  std::string weights;
  std::vector<std::string> inputs;  // NAME=FILE.npy
  std::vector<std::string> fetches;
  std::string output;
  std::optional<int64_t> batch_size;  // unset: the inputs' batch, else 1
  std::string devices = "cpu:0", parallel = "model";
  uint64_t seed = 0;
  int top = 5;
};

void print_top_classes(const Tensor& out, int top, bool already_probabilities) {
  int64_t batch = out.shape()[0];
  for (int64_t n = 0; n < std::min<int64_t>(batch, 8); ++n) {
    auto classes = top_classes(out, n, top, already_probabilities);
    std::string line;
    for (const auto& [c, p] : classes) line += fmt::format("  {:>4} ({:.3f})", c, p);
    fmt::print("  sample {}: top-{}{}\n", n, classes.size(), line);
  }
  if (batch > 8) fmt::print("  ... {} more samples\n", batch - 8);
}

void run(const RunArgs& args) {
  std::map<std::string, Tensor> feeds;
  for (const auto& spec : args.inputs) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0) fail("--input '{}': expected NAME=FILE.npy", spec);
    feeds[spec.substr(0, eq)] = read_npy(spec.substr(eq + 1));
  }
  check_at_least("--top", args.top, 1);
  int64_t batch = args.batch_size ? *args.batch_size : 0;
  if (!args.batch_size) batch = feeds.empty() || feeds.begin()->second.shape().rank() == 0 ? 1 : feeds.begin()->second.shape()[0];
  // A graph with its own loss runs without it (no labels to feed) unless a fetch asks for it.
  Graph graph = without_loss(load_graph_for(args.graph, batch), args.fetches);
  for (const auto& [name, tensor] : feeds)
    if (graph.node(name).op != "Placeholder") fail("--input '{}': node '{}' is a {}, not a Placeholder", name, name, graph.node(name).op);
  for (auto& [name, tensor] : random_feeds(graph, args.seed + 1)) feeds.try_emplace(name, std::move(tensor));

  std::vector<std::string> fetches = args.fetches.empty() ? default_fetches(graph) : args.fetches;
  std::set<std::string> fetched;
  for (const auto& fetch : fetches) fetched.insert(split_tensor_name(fetch).first);
  graph = compile_for_devices(graph, args.devices, args.parallel, fetched);
  VariableStore variables;
  if (!args.weights.empty()) load_weights(variables, graph, args.weights);
  ExecutorOptions options;
  options.seed = args.seed;
  Executor executor(std::move(graph), variables, options);
  std::vector<Tensor> outputs = executor.run(feeds, fetches);

  for (size_t k = 0; k < outputs.size(); ++k) {
    const Tensor& out = outputs[k];
    double sum = 0, lo = INFINITY, hi = -INFINITY;
    for (int64_t i = 0; i < out.num_elements(); ++i) {
      double v = out.value_as_double(i);
      sum += v, lo = std::min(lo, v), hi = std::max(hi, v);
    }
    fmt::print("{}: {} {}  mean {:.6g}  min {:.6g}  max {:.6g}\n", fetches[k], dtype_name(out.dtype()),
               out.shape().str(), out.num_elements() ? sum / out.num_elements() : 0.0, lo, hi);
    if (out.shape().rank() == 2 && out.shape()[1] >= 2 && is_floating(out.dtype()))
      print_top_classes(out, args.top, executor.graph().node(split_tensor_name(fetches[k]).first).op == "Softmax");
  }
  if (args.output.ends_with(".npz")) {
    std::map<std::string, Tensor> arrays;
    for (size_t k = 0; k < outputs.size(); ++k) arrays.emplace(fetches[k], outputs[k]);
    write_npz(args.output, arrays);
  } else if (!args.output.empty()) {
    write_npy(args.output, outputs.at(0));
  }
}

}  // namespace

void add_run(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* sub = app.add_subcommand("run", "Run a forward pass and show the outputs (top-5 for a classifier)");
  sub->add_option("graph", args->graph, "graph file (.pbtxt, .pb or .onnx)")->required();
  sub->add_option("--weights", args->weights, "weights (.npz keyed by variable name); default: the initializers");
  sub->add_option("--input", args->inputs, "NAME=FILE.npy for a Placeholder (repeatable); default: random");
  sub->add_option("--fetch", args->fetches, "tensor to output, \"node\" or \"node:k\" (repeatable); default: the graph's outputs");
  sub->add_option("--output", args->output, "write the first fetched tensor to this .npy, or every fetched one to this .npz (keyed by fetch)");
  sub->add_option("--batch-size", args->batch_size, "batch size (default: the input's, else 1)");
  add_devices_option(sub, args->devices, args->parallel);
  add_precision_option(sub);
  sub->add_option("--seed", args->seed, "seed for initializers and random inputs")->capture_default_str();
  sub->add_option("--top", args->top, "classes to show per sample")->capture_default_str();
  sub->callback([args] { run(*args); });
}

}  // namespace graphrun::cli

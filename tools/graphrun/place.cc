// graphrun place GRAPH --devices D1,D2 [--parallel model|data|hybrid]: where the split, placement and partition passes put
// everything. Per device its nodes, parameters, FLOPs, variables and planned peak memory; every cross-device transfer
// of one step with its tensor, source, destination, bytes and the logical node that needs it.
// By default the step is a training step (forward, backward, updates); --inference shows a
// forward pass.
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "runtime/passes/placement.h"
#include "runtime/passes/placement_report.h"
#include "runtime/train/compile_training.h"
#include "tools/graphrun/cli_common.h"

namespace graphrun::cli {

namespace {

struct PlaceArgs {
  std::string graph;
  std::string devices = "cpu:0,cpu:1", parallel = "model";
  int64_t batch_size = 0;
  bool inference = false;
  bool json = false;
};

void print_text(const PlacementReport& r, const std::string& title) {
  fmt::print("{}\n\n{:<8} {:>6} {:>14} {:>12} {:>14} {:>10}  {}\n", title, "device", "nodes", "parameters", "GFLOP/step",
             "variables MiB", "peak MiB", "peak at");
  for (const auto& d : r.devices)
    fmt::print("{:<8} {:>6} {:>14L} {:>12.2f} {:>14.1f} {:>10.1f}  {}\n", d.name, d.nodes, d.parameters, d.flops / 1e9,
               d.variable_bytes / (1 << 20), d.peak_bytes / (1 << 20), d.peak_node);
  std::map<std::string, double> totals;  // "forward cpu:0 -> cpu:1" -> bytes
  fmt::print("\n{} transfers per step:\n", r.transfers.size());
  if (!r.transfers.empty())
    fmt::print("  {:<9} {:<28} {:<6} {:<6} {:>9}  {}\n", "pass", "tensor", "from", "to", "MB", "for");
  for (const auto& t : r.transfers) {
    fmt::print("  {:<9} {:<28} {:<6} {:<6} {:>9.3f}  {}{}\n", t.pass, t.tensor, t.from, t.to, t.bytes / 1e6, t.consumer,
               t.gradient_of.empty() ? "" : " (gradient of " + t.gradient_of + ")");
    totals[fmt::format("{:<9} {} -> {}", t.pass, t.from, t.to)] += static_cast<double>(t.bytes);
  }
  if (!totals.empty()) fmt::print("\nper step:\n");
  double all = 0;
  for (const auto& [what, bytes] : totals) {
    fmt::print("  {}: {:.2f} MB\n", what, bytes / 1e6);
    all += bytes;
  }
  if (!totals.empty()) fmt::print("  all transfers: {:.2f} MB\n", all / 1e6);
}

void print_json(const PlacementReport& r, const std::string& graph, int64_t batch, const std::string& step,
                const std::string& parallel) {
  nlohmann::ordered_json out = {{"graph", graph}, {"batch", batch}, {"step", step}, {"parallel", parallel}};
  out["devices"] = nlohmann::json::array();
  for (const auto& d : r.devices)
    out["devices"].push_back({{"name", d.name}, {"nodes", d.nodes}, {"parameters", d.parameters}, {"flops", d.flops},
                              {"variable_bytes", d.variable_bytes}, {"peak_bytes", d.peak_bytes},
                              {"peak_node", d.peak_node}});
  out["transfers"] = nlohmann::json::array();
  for (const auto& t : r.transfers) {
    nlohmann::ordered_json j = {{"tensor", t.tensor}, {"from", t.from}, {"to", t.to}, {"bytes", t.bytes},
                                {"consumer", t.consumer}, {"pass", t.pass}};
    if (!t.gradient_of.empty()) j["gradient_of"] = t.gradient_of;
    out["transfers"].push_back(j);
  }
  std::cout << out.dump(2) << "\n";
}

void place_cmd(const PlaceArgs& args) {
  Graph model = load_graph_for(args.graph, 1);
  int64_t batch = args.batch_size > 0 ? args.batch_size : model.training.batch_size() > 0 ? model.training.batch_size() : 128;
  model = load_graph_for(args.graph, batch);
  CompileOptions options = compile_options_for(args.devices, args.parallel);
  options.fuse_activations = false;  // the report names the model's nodes, not the kernels that run them
  std::vector<std::string> devices;
  for (const auto& d : options.devices) devices.push_back(d.str());
  PlacementReport report;
  std::string step = args.inference ? "inference" : "training";
  if (args.inference) {
    CompiledGraph c = compile_inference(model, options);
    report = report_placement(c.graph, devices, c.split, {}, default_fetches(model));
  } else {
    CompiledTraining c = compile_training(model, {}, options);
    std::vector<std::string> run = c.training.updates;
    run.push_back(c.training.loss);
    report = report_placement(c.training.graph, devices, c.split, {c.training.gradient_of, c.training.forward_of}, run);
  }
  if (args.json) {
    print_json(report, model.name, batch, step, args.parallel);
  } else {
    print_text(report, fmt::format("graph '{}' on {} ({} parallel): one {} step at batch {}", model.name, args.devices,
                                   args.parallel, step, batch));
  }
}

}  // namespace

void add_place(CLI::App& app) {
  auto args = std::make_shared<PlaceArgs>();
  CLI::App* sub = app.add_subcommand(
      "place", "Show how a graph is split and placed across devices: per-device load and every cross-device transfer");
  sub->add_option("graph", args->graph, "graph file (.pbtxt, .pb or .onnx)")->required();
  sub->add_option("--devices", args->devices, "devices, e.g. cpu:0,cpu:1")->capture_default_str();
  add_parallel_option(sub, args->parallel);
  sub->add_option("--batch-size", args->batch_size, "batch size (default: the graph's, else 128)");
  sub->add_flag("--inference", args->inference, "a forward pass instead of a training step");
  sub->add_flag("--json", args->json, "JSON: devices (name, parameters, flops) and transfers (tensor, from, to, bytes, consumer)");
  sub->callback([args] { place_cmd(*args); });
}

}  // namespace graphrun::cli

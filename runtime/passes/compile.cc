#include "runtime/passes/compile.h"

#include <fmt/format.h>

#include "core/precision.h"
#include "runtime/passes/blocked_layout.h"
#include "runtime/passes/fuse_activations.h"
#include "runtime/passes/mixed_precision.h"
#include "runtime/passes/partition.h"
#include "runtime/passes/placement.h"

namespace graphrun {

Graph rebuild_graph(const proto::Graph& graph, int64_t batch_size) {
  BuildOptions build;
  build.batch_size = batch_size;
  return build_graph(graph, build);
}

namespace {

// What a caller may fetch by name from a graph split across devices: the model's outputs, its
// logits and what it names (CompileOptions::fetched); other split tensors are not gathered.
std::set<std::string> fetchable_names(const Graph& model, const std::set<std::string>& fetched) {
  std::set<std::string> names;
  for (const std::string& name : fetched) names.insert(split_tensor_name(name).first);
  for (int i : model.sinks()) names.insert(model.nodes[i].name);
  if (!model.training.logits().empty() || model.sinks().size() == 1)
    names.insert(split_tensor_name(find_logits(model)).first);
  return names;
}

Graph placed_forward(const Graph& model, const CompileOptions& options, SplitInfo& info) {
  Graph forward = model;
  if (options.devices.size() > 1) {
    SplitResult split = split_graph(model, options.devices, options.parallel);
    drop_unwanted_gathers(split, fetchable_names(model, options.fetched));
    info = std::move(split.info);
    forward = rebuild_graph(split.graph, model.batch_size);
  }
  if (math_precision() == MathPrecision::kBFloat16) {
    // The bfloat16 kernels are oneDNN's; the split pass's gathers and the GPUs have none yet.
    if (options.devices.size() != 1 || options.devices[0].type != DeviceType::kCPU)
      fail("--precision bf16 runs on one CPU device for now, not {} device(s) starting with {}",
           options.devices.size(), options.devices[0].str());
    require_bfloat16_cpu();
    forward = to_mixed_bfloat16(forward);
  }
  place(forward, options.devices, options.kernel_label);
  return forward;
}

}  // namespace

CompileOptions compile_options_for(const std::string& devices, const std::string& parallel) {
  CompileOptions options;
  options.devices = parse_device_list(devices);
  options.parallel = parse_parallelism(parallel);
  return options;
}

CompiledGraph compile_placed(const Graph& model, const CompileOptions& options) {
  CompiledGraph out;
  out.graph = placed_forward(model, options, out.split);
  return out;
}

CompiledGraph compile_inference(const Graph& model, const CompileOptions& options) {
  CompiledGraph out;
  Graph forward = placed_forward(model, options, out.split);
  out.graph = rebuild_graph(partition(forward), model.batch_size);
  if (options.fuse_activations) out.graph = fuse_activations(out.graph, options.fetched, options.kernel_label);
  if (options.blocked_layouts) choose_blocked_layouts(out.graph, options.kernel_label);
  return out;
}

}  // namespace graphrun

#include "tools/graphrun/cli_common.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/graph_io.h"
#include "core/precision.h"
#include "core/random.h"
#include "core/variable_parts.h"
#include "runtime/passes/compile.h"
#include "runtime/passes/placement.h"
#include "runtime/train/checkpoint.h"

#include <fmt/ranges.h>

namespace graphrun::cli {

Graph load_graph_for(const std::string& path, int64_t batch_size) {
  if (batch_size < 1) fail("--batch-size must be at least 1, got {}", batch_size);
  BuildOptions options;
  options.batch_size = batch_size;
  return load_graph(path, options);
}

void add_parallel_option(CLI::App* sub, std::string& parallel) {
  sub->add_option("--parallel", parallel,
                  "how several devices share the work: model (the layers split, as the AlexNet paper), data "
                  "(each device a share of the batch) or hybrid (convolutions data-parallel, fully connected "
                  "layers split)")
      ->check(CLI::IsMember({"model", "data", "hybrid"}));
}

void add_devices_option(CLI::App* sub, std::string& devices, std::string& parallel) {
  sub->add_option("--devices,--device", devices,
                  "devices to run on, e.g. cpu:0 or cpu:0,cpu:1 (several share the work: see --parallel)")
      ->capture_default_str();
  add_parallel_option(sub, parallel);
}

void add_precision_option(CLI::App* sub) {
  sub->add_option_function<std::string>(
         "--precision",
         [](const std::string& text) { set_math_precision(parse_math_precision(text)); },
         "fp32 (default); tf32 (TF32 tensor cores in GPU convolutions and matrix products; CPU kernels "
         "compute in fp32); or bf16: mixed precision on one CPU device with AVX512_BF16 (convolutions, "
         "matrix products and the activations between them in bfloat16; weights, updates and loss float32)")
      ->check(CLI::IsMember({"fp32", "float32", "tf32", "bf16", "bfloat16"}));
}

Graph compile_for_devices(const Graph& model, const std::string& devices, const std::string& parallel,
                          const std::set<std::string>& fetched) {
  CompileOptions options = compile_options_for(devices, parallel);
  options.fetched = fetched;
  return compile_inference(model, options).graph;
}

void load_weights(VariableStore& variables, const Graph& graph, const std::string& path) {
  if (!is_checkpoint_file(path)) {
    variables.load_npz(graph, path, /*strict=*/true);
    return;
  }
  proto::Checkpoint ckpt = read_checkpoint(path);
  std::vector<std::string> all;
  for (int i : graph.nodes_with_op("Variable")) all.push_back(graph.nodes[i].name);
  std::vector<std::string> missing = logical_variable_names(graph, all);
  for (const auto& nt : ckpt.weights()) {
    Tensor t = tensor_from_proto(nt.tensor(), path + "[" + nt.name() + "]");
    variables.assign_logical(graph, nt.name(), t, fmt::format("checkpoint '{}'", path));
    std::erase(missing, nt.name());
  }
  if (!missing.empty()) fail("checkpoint '{}' has no weights for {}", path, fmt::join(missing, ", "));
}

Tensor random_tensor(const TensorInfo& info, uint64_t seed, int64_t classes) {
  Tensor t(info.dtype, info.shape);
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    switch (info.dtype) {
      case DType::kFloat32: t.data<float>()[i] = static_cast<float>(normal01(seed, i)); break;
      case DType::kFloat64: t.data<double>()[i] = normal01(seed, i); break;
      case DType::kInt32: t.data<int32_t>()[i] = static_cast<int32_t>(uniform01(seed, i) * classes); break;
      case DType::kInt64: t.data<int64_t>()[i] = static_cast<int64_t>(uniform01(seed, i) * classes); break;
      case DType::kUInt8: t.data<uint8_t>()[i] = static_cast<uint8_t>(uniform01(seed, i) * 256); break;
      default: fail("cannot make random {} input", dtype_name(info.dtype));
    }
  }
  return t;
}

std::map<std::string, Tensor> random_feeds(const Graph& graph, uint64_t seed) {
  std::map<std::string, Tensor> feeds;
  for (int i : graph.nodes_with_op("Placeholder"))
    if (graph.nodes[i].attrs.s("feed").empty())  // replicas take their original's feed
      feeds[graph.nodes[i].name] = random_tensor(graph.nodes[i].outputs[0], hash_combine(seed, hash_name(graph.nodes[i].name)));
  return feeds;
}

std::vector<std::string> default_fetches(const Graph& graph) {
  std::vector<std::string> names;
  for (int i : graph.sinks()) names.push_back(graph.nodes[i].name);
  return names;
}

int64_t node_parameters(const Graph& graph, const Node& node) {
  int64_t count = 0;
  for (const auto& ref : node.inputs) {
    const Node& producer = graph.nodes[ref.node];
    if (producer.op == "Variable" && producer.implicit) count += producer.outputs[0].shape.num_elements();
  }
  if (node.op == "Variable" && !node.implicit) count += node.outputs[0].shape.num_elements();
  return count;
}

int64_t total_parameters(const Graph& graph) {
  int64_t count = 0;
  for (int i : graph.nodes_with_op("Variable")) count += graph.nodes[i].outputs[0].shape.num_elements();
  return count;
}

void check_at_least(const char* option, int64_t value, int64_t min) {
  if (value < min) fail("{} {}: want at least {}", option, value, min);
}

void check_above_zero(const char* option, double value) {
  if (!(value > 0)) fail("{} {}: want a number above 0", option, value);
}

std::string human(double value) {
  const char* suffix[] = {"", "K", "M", "G", "T"};
  int k = 0;
  while (std::abs(value) >= 1000 && k < 4) {
    value /= 1000;
    ++k;
  }
  return k == 0 ? fmt::format("{:.0f}", value) : fmt::format("{:.2f}{}", value, suffix[k]);
}

std::vector<double> row_probabilities(const Tensor& out, int64_t row, bool already_probabilities) {
  const int64_t classes = out.shape()[1];
  std::vector<double> p(classes);
  for (int64_t c = 0; c < classes; ++c) p[c] = out.value_as_double(row * classes + c);
  if (!already_probabilities) {
    double mx = *std::max_element(p.begin(), p.end()), sum = 0;
    for (auto& v : p) sum += (v = std::exp(v - mx));
    for (auto& v : p) v /= sum;
  }
  return p;
}

std::vector<std::pair<int64_t, double>> top_classes(const Tensor& out, int64_t row, int k, bool already_probabilities) {
  const int64_t classes = out.shape()[1];
  std::vector<double> p = row_probabilities(out, row, already_probabilities);
  std::vector<int64_t> order(classes);
  std::iota(order.begin(), order.end(), 0);
  const int64_t n = std::clamp<int64_t>(k, 0, classes);
  std::partial_sort(order.begin(), order.begin() + n, order.end(), [&](int64_t a, int64_t b) { return p[a] > p[b]; });
  std::vector<std::pair<int64_t, double>> top;
  for (int64_t j = 0; j < n; ++j) top.emplace_back(order[j], p[order[j]]);
  return top;
}

}  // namespace graphrun::cli

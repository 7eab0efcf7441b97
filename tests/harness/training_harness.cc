#include "tests/harness/training_harness.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "core/graph_io.h"
#include "core/random.h"
#include "core/variable_parts.h"
#include "runtime/exec/executor.h"
#include "runtime/train/compile_training.h"

namespace graphrun::testing {

namespace {

// The checkout the graphs come from: $GRAPHRUN_SOURCE_DIR, else the working directory when it is
// one (a test binary carried to the GPU machine runs in that machine's copy of the tree), else
// the tree it was built from.
std::string source_dir() {
  if (const char* dir = std::getenv("GRAPHRUN_SOURCE_DIR"); dir != nullptr && *dir) return dir;
  if (std::filesystem::exists("graphs/alexnet_mini.pbtxt")) return std::filesystem::current_path().string();
  return GRAPHRUN_SOURCE_DIR;
}

}  // namespace

Graph load(const std::string& name, int64_t batch) {
  BuildOptions options;
  options.batch_size = batch;
  return load_graph(source_dir() + "/graphs/" + name, options);
}

Graph load_float64(const std::string& name, int64_t batch) {
  proto::Graph g = read_graph_file(source_dir() + "/graphs/" + name);
  for (auto& node : *g.mutable_node())
    if (node.op() == "Placeholder") {
      proto::Attr* dtype = node.add_attr();
      *dtype = attr_dtype(DType::kFloat64);
      dtype->set_name("dtype");
    }
  BuildOptions options;
  options.batch_size = batch;
  return build_graph(g, options);
}

Tensor random_images(const TensorInfo& info, uint64_t seed) {
  Tensor t(info.dtype, info.shape);
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    if (info.dtype == DType::kFloat64)
      t.data<double>()[i] = normal01(seed, i);
    else
      t.data<float>()[i] = static_cast<float>(normal01(seed, i));
  }
  return t;
}

double relative_difference(const Tensor& a, const Tensor& b) {
  REQUIRE(a.shape() == b.shape());
  double diff = 0, scale = 0;
  for (int64_t i = 0; i < a.num_elements(); ++i) {
    diff = std::max(diff, std::abs(a.value_as_double(i) - b.value_as_double(i)));
    scale = std::max(scale, std::abs(b.value_as_double(i)));
  }
  return diff / std::max(scale, 1e-30);
}

Tensor forward_output(const Graph& model, const std::vector<DeviceName>& devices, const Tensor& images,
                      const std::string& fetch) {
  VariableStore vars;
  Executor executor(compile_inference(model, {devices, ""}).graph, vars, {.seed = 3});
  return executor.run({{"data", images}}, {fetch})[0];
}

TrainingRun::TrainingRun(const Graph& model, const CompileOptions& options, double lr)
    : training_(compile_training(model, {}, options).training), executor_(training_.graph, variables_, {.seed = 7}) {
  const TensorInfo& input = graph().node(training_.data).outputs[0];
  int64_t classes = graph().info(graph().resolve(training_.logits)).shape[1];
  images_ = random_images(input, 10);
  labels_ = Tensor(DType::kInt64, Shape{input.shape[0]});
  for (int64_t n = 0; n < input.shape[0]; ++n)
    labels_.data<int64_t>()[n] = static_cast<int64_t>(uniform01(100, n) * static_cast<double>(classes));
  rate_ = Tensor(DType::kFloat32, Shape{});
  rate_.data<float>()[0] = static_cast<float>(lr);
}

double TrainingRun::step() {
  const TrainingGraph& tg = training_;
  auto out = executor_.run({{tg.data, images_}, {tg.labels, labels_}, {tg.learning_rate, rate_}}, {tg.loss},
                           /*training=*/true, steps_++, tg.updates);
  return out[0].value_as_double(0);
}

std::map<std::string, Tensor> TrainingRun::weights(bool slots) const {
  std::map<std::string, Tensor> values;
  for (const auto& name : logical_variable_names(graph(), slots ? training_.slot_variables : training_.model_variables))
    values[name] = variables_.logical_value(graph(), name).clone();
  return values;
}

TrainResult train_steps(const Graph& model, const CompileOptions& options, int steps, double lr) {
  TrainingRun run(model, options, lr);
  TrainResult result;
  for (int s = 0; s < steps; ++s) result.losses.push_back(run.step());
  result.weights = run.weights();
  return result;
}

void check_same_training(const Graph& model, const CompileOptions& a, const CompileOptions& b, double lr,
                         double tolerance) {
  TrainResult one = train_steps(model, a, 5, lr), two = train_steps(model, b, 5, lr);
  for (size_t s = 0; s < one.losses.size(); ++s) {
    INFO("step " << s << ": " << one.losses[s] << " vs " << two.losses[s]);
    CHECK(std::abs(one.losses[s] - two.losses[s]) <= tolerance * std::abs(one.losses[s]));
  }
  REQUIRE(one.weights.size() == two.weights.size());
  // Relative to the layer's parameter scale: a bias that starts at 0 and barely moves (conv1's
  // gradient is tiny in AlexNet's N(0, 0.01) init) has no scale of its own.
  std::map<std::string, double> layer_scale;
  auto layer = [](const std::string& name) { return name.substr(0, name.find('/')); };
  for (const auto& [name, w] : one.weights)
    for (int64_t i = 0; i < w.num_elements(); ++i)
      layer_scale[layer(name)] = std::max(layer_scale[layer(name)], std::abs(w.value_as_double(i)));
  for (const auto& [name, w] : one.weights) {
    const Tensor& got = two.weights.at(name);
    REQUIRE(got.shape() == w.shape());
    double diff = 0;
    for (int64_t i = 0; i < w.num_elements(); ++i) diff = std::max(diff, std::abs(got.value_as_double(i) - w.value_as_double(i)));
    INFO(name << ": max |difference| " << diff << ", layer scale " << layer_scale[layer(name)]);
    CHECK(diff <= tolerance * layer_scale[layer(name)]);
  }
}

}  // namespace graphrun::testing

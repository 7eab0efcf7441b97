// train --check-numerics gradients (runtime/train/numerics_check.h): which nodes it scans, that a
// NaN in a step stops it before any update, and that the re-run names the node it came from.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "runtime/exec/executor.h"
#include "runtime/train/compile_training.h"
#include "runtime/train/numerics_check.h"
#include "tests/harness/training_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

TEST_CASE("check-numerics gradients scans the loss and what the updates read, not the weights or activations") {
  const TrainingGraph tg = compile_training(load("alexnet_mini.pbtxt", 4), {}, {}).training;
  const std::vector<std::string> scanned = gradient_scan_nodes(tg.graph, tg.loss, tg.updates);
  CHECK(std::find(scanned.begin(), scanned.end(), tg.graph.nodes[tg.graph.resolve(tg.loss).node].name) != scanned.end());
  int filters = 0;
  for (const std::string& name : scanned) {
    const std::string& op = tg.graph.node(name).op;
    INFO(name, " ", op);
    CHECK(op != "Variable");
    CHECK(op != "Placeholder");
    CHECK(op != "Relu");
    CHECK(op != "Conv2D");
    filters += op == "Conv2DBackpropFilter";
  }
  CHECK(filters == 5);  // every convolution's weight gradient
}

TEST_CASE("check-numerics gradients: a NaN stops the step before any update; the re-run names where it came from") {
  const TrainingGraph tg = compile_training(load("alexnet_mini.pbtxt", 4), {}, {}).training;
  const std::vector<std::string> scanned = gradient_scan_nodes(tg.graph, tg.loss, tg.updates);
  VariableStore vars;
  ExecutorOptions options{.seed = 7};
  options.check_numerics_nodes = scanned;
  Executor executor(tg.graph, vars, options);
  const TensorInfo& input = tg.graph.node(tg.data).outputs[0];
  Tensor images = random_images(input, 10);
  Tensor labels(DType::kInt64, Shape{input.shape[0]});
  for (int64_t n = 0; n < input.shape[0]; ++n) labels.data<int64_t>()[n] = n;
  Tensor rate(DType::kFloat32, Shape{});
  rate.data<float>()[0] = 0.01f;
  const std::map<std::string, Tensor> feeds{{tg.data, images}, {tg.labels, labels}, {tg.learning_rate, rate}};
  executor.run(feeds, {tg.loss}, true, 0, tg.updates);  // a good step first

  const std::string weight = tg.model_variables.front();
  const Tensor before = vars.logical_value(executor.graph(), weight).clone();
  images.data<float>()[5] = std::nanf("");
  std::string error;
  try {
    executor.run(feeds, {tg.loss}, true, 1, tg.updates);
  } catch (const Error& e) {
    error = e.what();
  }
  INFO(error);
  REQUIRE(executor.last_run_non_finite());
  CHECK(executor.last_run_targets_done() == 0);
  CHECK(error.find("[check-numerics]") != std::string::npos);
  CHECK(error.find("Placeholder") == std::string::npos);  // the input itself is not scanned

  const std::string named = name_first_non_finite(executor, feeds, 1, scanned, error);
  INFO(named);
  CHECK(named.rfind("Placeholder '" + tg.data + "': produced NaN in output 0 (element 5 of", 0) == 0);
  const Tensor after = vars.logical_value(executor.graph(), weight);
  CHECK(std::memcmp(before.raw(), after.raw(), before.num_elements() * sizeof(float)) == 0);  // no update ran

  // The executor scans only the listed nodes again: a step with a finite input runs.
  images.data<float>()[5] = 0.5f;
  CHECK(std::isfinite(executor.run(feeds, {tg.loss}, true, 2, tg.updates)[0].value_as_double(0)));
}

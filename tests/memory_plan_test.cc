// The memory plan (runtime/passes/memory_plan.h): exact on small graphs, and close to the peak a
// training step really reaches under the executor's release rule.
#include <doctest/doctest.h>

#include "core/device.h"
#include "core/graph_io.h"
#include "core/variable_store.h"
#include "runtime/exec/executor.h"
#include "runtime/passes/memory_plan.h"
#include "runtime/train/compile_training.h"
#include "tests/harness/training_harness.h"

using namespace graphrun;

TEST_CASE("memory plan: outputs live until their last reader, views share buffers, fetches stay") {
  Graph g = build_graph(parse_graph_text(R"(
    node { name: "x" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 1000] } } }
    node { name: "a" op: "Relu" input: "x" }
    node { name: "v" op: "Reshape" input: "a" attr { name: "shape" shape { dim: [-1, 10, 100] } } }
    node { name: "b" op: "Relu" input: "x" }
    node { name: "f" op: "Flatten" input: "v" }
    node { name: "c" op: "Add" input: "f" input: "b" }
    node { name: "d" op: "Relu" input: "c" })"));
  g.rebind_batch(1);
  std::vector<bool> needed = g.ancestors_of({"d"});
  // x 4000 resident; a, b, c, d 4000 each. a lives through its views v and f until c has run;
  // b until c; c until d. Peak while c runs: x + a + b + c; while d runs: x + c + d.
  auto plan = plan_memory(g, needed, {g.resolve("d")});
  REQUIRE(plan.size() == 1);
  CHECK(plan["cpu:0"].feed_bytes == 4000);
  CHECK(plan["cpu:0"].variable_bytes == 0);
  CHECK(plan["cpu:0"].peak_bytes == 16000);
  CHECK(plan["cpu:0"].peak_node == "c");
  // Fetching a as well keeps it to the end: x + a + c + d while d runs.
  plan = plan_memory(g, needed, {g.resolve("d"), g.resolve("a")});
  CHECK(plan["cpu:0"].peak_bytes == 16000);
  // Only what is needed counts: b alone.
  plan = plan_memory(g, g.ancestors_of({"b"}), {g.resolve("b")});
  CHECK(plan["cpu:0"].peak_bytes == 8000);
}

TEST_CASE("memory plan: a training step's plan is close to the peak the executor reaches") {
  for (const auto& devices : {std::vector<DeviceName>{{DeviceType::kCPU, 0}},
                              std::vector<DeviceName>{{DeviceType::kCPU, 0}, {DeviceType::kCPU, 1}}}) {
    Graph model = testing::load("alexnet_mini.pbtxt", 16);
    TrainingGraph tg = compile_training(model, {}, {devices, ""}).training;
    std::vector<std::string> run = tg.updates;
    run.push_back(tg.loss);
    std::vector<TensorRef> kept;
    for (const auto& name : run) kept.push_back(tg.graph.find(name) >= 0 ? TensorRef{tg.graph.index(name), -1} : tg.graph.resolve(name));
    double planned = 0, variables = 0;
    for (const auto& [device, p] : plan_memory(tg.graph, tg.graph.ancestors_of(run), kept)) {
      planned += p.peak_bytes;
      variables += p.variable_bytes;
    }
    Tensor images = testing::random_images(tg.graph.node(tg.data).outputs[0], 3), labels(DType::kInt64, Shape{16});
    for (int64_t n = 0; n < 16; ++n) labels.data<int64_t>()[n] = n % 10;
    Tensor rate(DType::kFloat32, Shape{});
    rate.data<float>()[0] = 0.01f;
    VariableStore vars;
    Executor executor(tg.graph, vars);
    executor.run({{tg.data, images}, {tg.labels, labels}, {tg.learning_rate, rate}}, {tg.loss}, true, 0, tg.updates);
    // What is in use between steps: variables, the feeds and the fetched loss.
    const double between = static_cast<double>(host_allocator().bytes_in_use());
    host_allocator().reset_peak();
    executor.run({{tg.data, images}, {tg.labels, labels}, {tg.learning_rate, rate}}, {tg.loss}, true, 1, tg.updates);
    const double measured = static_cast<double>(host_allocator().peak_bytes());
    INFO(devices.size(), " device(s): planned ", planned, " bytes, measured ", measured, " (", between, " between steps)");
    CHECK(variables > 2 * 2'000'000 * 4 * 0.99);  // weights and momentum of alexnet_mini's 2.1 M parameters
    CHECK(planned > between);
    // Side-by-side nodes may hold a little more than the sequential plan; nothing holds much less.
    CHECK(measured >= 0.9 * planned);
    CHECK(measured <= 1.25 * planned);
  }
}

TEST_CASE("memory plan: a step larger than the memory its devices share is refused before it runs") {
  std::map<std::string, DeviceMemoryPlan> plans;
  plans["cpu:0"].peak_bytes = 1e15;  // a petabyte: more than any host here
  CHECK_THROWS_WITH_AS(check_memory_fits(plans, "a training step of 'big' at batch 9"),
                       doctest::Contains("a training step of 'big' at batch 9 needs about 931322.6 GiB on cpu:0"), Error);
  // Logical devices on one physical memory add up: two halves of 0.6 of the host are too much.
  const double host = static_cast<double>(get_device("cpu:0").memory_space().bytes);
  REQUIRE(host > 0);
  plans.clear();
  plans["cpu:0"].peak_bytes = 0.6 * host;
  CHECK_NOTHROW(check_memory_fits(plans, "one half"));
  plans["cpu:1"].peak_bytes = 0.6 * host;
  CHECK_THROWS_WITH_AS(check_memory_fits(plans, "both halves"), doctest::Contains("on cpu:0+cpu:1"), Error);
}

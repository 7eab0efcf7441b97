// The split, placement and partition passes: the paper's cross-GPU points on AlexNet, and
// two logical CPU devices computing what one device computes (forward, dropout, training).
#include <doctest/doctest.h>

#include <cmath>
#include <set>

#include "core/graph_io.h"
#include "core/random.h"
#include "core/variable_parts.h"
#include "runtime/exec/executor.h"
#include "runtime/passes/placement.h"
#include "runtime/passes/placement_report.h"
#include "runtime/train/compile_training.h"
#include "tests/harness/training_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

namespace {

const std::vector<DeviceName> kOne = {{DeviceType::kCPU, 0}};
const std::vector<DeviceName> kTwo = {{DeviceType::kCPU, 0}, {DeviceType::kCPU, 1}};

// Two devices, each node as the model names it (no Conv2D+Relu fusion), as `graphrun place` shows.
CompileOptions unfused_on_two() {
  CompileOptions options{kTwo, ""};
  options.fuse_activations = false;
  return options;
}

PlacementReport alexnet_training_report(int64_t batch) {
  CompiledTraining c = compile_training(load("alexnet.pbtxt", batch), {}, unfused_on_two());
  std::vector<std::string> run = c.training.updates;
  run.push_back(c.training.loss);
  return report_placement(c.training.graph, {"cpu:0", "cpu:1"}, c.split,
                          {c.training.gradient_of, c.training.forward_of}, run);
}

}  // namespace

TEST_CASE("split: on two devices AlexNet's transfers are the paper's cross-GPU points") {
  PlacementReport r = alexnet_training_report(128);
  REQUIRE(r.devices.size() == 2);
  CHECK(r.devices[0].parameters == r.devices[1].parameters);
  CHECK(r.devices[0].parameters + r.devices[1].parameters == 60'965'224);

  std::set<std::string> forward_consumers;
  std::multiset<std::tuple<std::string, std::string, std::string, int64_t>> forward, mirrored;
  double forward_bytes_each_way[2] = {0, 0};
  for (const auto& t : r.transfers) {
    CHECK(t.pass != "update");
    if (t.pass == "forward") {
      forward_consumers.insert(t.consumer);
      forward.insert({t.tensor, t.from, t.to, t.bytes});
      forward_bytes_each_way[t.from == "cpu:0" ? 0 : 1] += static_cast<double>(t.bytes);
    } else {
      REQUIRE(t.pass == "backward");
      // The gradient of a forward-sent tensor flows back the other way, the same size.
      mirrored.insert({t.gradient_of, t.to, t.from, t.bytes});
    }
  }
  CHECK(forward_consumers == std::set<std::string>{"conv3", "fc6", "fc7", "fc8", "loss"});
  CHECK(forward == mirrored);
  CHECK(forward.size() == 9);  // conv3, fc6, fc7, fc8 both ways; the logits to the loss one way
  // The paper's exchange: about 15.6 MB each way per step of 128 images.
  CHECK(forward_bytes_each_way[0] / 1e6 == doctest::Approx(15.53).epsilon(0.01));
  CHECK(forward_bytes_each_way[1] / 1e6 == doctest::Approx(15.79).epsilon(0.01));
}

TEST_CASE("partition: one Send/Recv pair per (tensor, destination device)") {
  CompiledTraining c = compile_training(load("alexnet_mini.pbtxt", 4), {}, {kTwo, ""});
  const Graph& g = c.training.graph;
  std::set<std::pair<std::string, std::string>> seen;
  int recvs = 0;
  for (const auto& node : g.nodes) {
    for (const auto& ref : node.inputs) {
      const Node& producer = g.nodes[ref.node];
      // Only Send -> Recv and replicated inputs cross; everything else stays on one device.
      if (producer.device != node.device) CHECK(producer.op == "Send");
    }
    if (node.op != "Recv") continue;
    ++recvs;
    const Node& send = g.nodes[node.inputs[0].node];
    CHECK(send.op == "Send");
    CHECK(seen.insert({g.tensor_name(send.inputs[0]), node.device}).second);
  }
  CHECK(recvs >= 18);  // the transfers a training step runs
  CHECK(g.nodes_with_op("Placeholder").size() == 5);  // data on both devices, labels, learning rate on both
}

TEST_CASE("placement: backward nodes colocate with their forward node, updates with their variable") {
  CompiledTraining c = compile_training(load("alexnet_mini.pbtxt", 4), {}, unfused_on_two());
  const Graph& g = c.training.graph;
  int checked = 0;
  for (const auto& [backward, forward] : c.training.forward_of) {
    CHECK(g.node(backward).device == g.node(forward).device);
    ++checked;
  }
  CHECK(checked > 50);
  // One fused update per device (runtime/passes/fuse_updates.h), after lr: its variables and
  // their momentum buffers, all on that device.
  CHECK(c.training.updates.size() == 2);
  for (const auto& update : c.training.updates) {
    const Node& u = g.node(update);
    REQUIRE(u.op == "FusedApplyMomentum");
    int n = static_cast<int>(u.outputs.size());
    for (int i = 0; i < 2 * n; ++i) {
      const Node& var = g.nodes[u.inputs[1 + i].node];
      CHECK(var.op == "Variable");
      CHECK(u.device == var.device);
    }
  }
}

TEST_CASE("placement: explicit devices win; unknown devices and missing kernels are load-time errors") {
  Graph towers = load("alexnet_towers.pbtxt", 2);
  Graph placed = compile_placed(towers, {kTwo, ""}).graph;
  CHECK(placed.node("conv1b").device == "cpu:1");
  CHECK(placed.node("conv1a").device == "cpu:0");
  CHECK(placed.node("conv1b/weight").device == "cpu:1");  // a variable goes where its reader was placed
  CHECK_THROWS_WITH(compile_placed(towers, {kOne, ""}),
                    doctest::Contains("'conv1b/weight' is placed on cpu:1, which is not among the devices (cpu:0)"));
  CHECK_THROWS_WITH(parse_device_list("cpu:0,cpu:0"), doctest::Contains("cpu:0 is listed twice"));
  CHECK_THROWS_WITH(parse_device_list("cpu:0,tpu:1"), doctest::Contains("unknown device 'tpu:1'"));
  // A kernel that does not exist where the node is placed (here: the reference kernels, which are
  // CPU code, forced onto a GPU): the error lists the kernels there are.
  CHECK_THROWS_WITH(compile_inference(load("alexnet_mini.pbtxt", 1), {{{DeviceType::kCUDA, 0}}, "reference"}),
                    doctest::Contains("no reference kernel for float32 on gpu:0 (kernels: cpu/float32/"));
}

TEST_CASE("split: alexnet_mini on cpu:0,cpu:1 computes what one device computes") {
  Graph model = load("alexnet_mini.pbtxt", 3);
  Tensor images = random_images(model.node("data").outputs[0], 5);
  Tensor one = forward_output(model, kOne, images, "prob"), two = forward_output(model, kTwo, images, "prob");
  CHECK(relative_difference(two, one) <= 1e-5);
  // Five training steps, dropout on: the same losses and weights (in float64, to 1e-10).
  check_same_training(load_float64("alexnet_mini.pbtxt", 4), kOne, kTwo, 0.01, 1e-10);
}

TEST_CASE("split: the paper's AlexNet trains five steps on two devices as on one") {
  check_same_training(load("alexnet.pbtxt", 2), kOne, kTwo, 0.001, 1e-5);
}

TEST_CASE("split: alexnet_towers computes the function of alexnet split in two") {
  Graph alexnet = load("alexnet.pbtxt", 2), towers = load("alexnet_towers.pbtxt", 2);
  VariableStore logical, halves;
  logical.initialize(alexnet, 11);
  // Tower a's half of layer L is the first half of L along the output axis, tower b's the second.
  for (const auto& node : towers.nodes) {
    if (node.op != "Variable") continue;
    std::string layer = node.name.substr(0, node.name.find('/'));
    std::string param = node.name.substr(node.name.find('/'));
    std::string tower = layer.substr(layer.size() - 1);
    const Tensor& whole = logical.at(layer.substr(0, layer.size() - 1) + param);
    Tensor half(DType::kFloat32, node.outputs[0].shape);
    copy_part_from_whole(half, whole, {"", 0, tower == "a" ? 0 : half.shape()[0], whole.shape()});
    halves.set(node.name, half);
  }
  Tensor images = random_images(alexnet.node("data").outputs[0], 9);
  Executor one(compile_inference(alexnet, {kOne, ""}).graph, logical);
  Executor two(compile_inference(towers, {kTwo, ""}).graph, halves);
  Tensor expected = one.run({{"data", images}}, {"fc8"})[0];
  Tensor got = two.run({{"data", images}}, {"fc8"})[0];
  CHECK(relative_difference(got, expected) <= 1e-5);
}

TEST_CASE("variables: split parts start from slices of the logical initial value and read back whole") {
  Graph model = load("alexnet_mini.pbtxt", 2);
  Graph split = compile_inference(model, {kTwo, ""}).graph;
  VariableStore whole, parts;
  whole.initialize(model, 5);
  parts.initialize(split, 5);
  CHECK(split.find("conv1/weight") < 0);
  CHECK(split.find("conv1/weight/part_1") >= 0);
  for (int i : model.nodes_with_op("Variable")) {
    const std::string& name = model.nodes[i].name;
    INFO(name);
    CHECK(relative_difference(parts.logical_value(split, name), whole.at(name)) == 0);
  }
  Tensor bad(DType::kFloat32, Shape{3});
  CHECK_THROWS_WITH(parts.assign_logical(split, "conv1/weight", bad, "test"), doctest::Contains("'conv1/weight' is float32 [3]"));
  CHECK_THROWS_WITH(parts.assign_logical(split, "nope", bad, "test"), doctest::Contains("holds 'nope'"));
}

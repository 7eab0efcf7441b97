// The activation-fusion pass (runtime/passes/fuse_activations.h): which Conv2D/Relu pairs become
// one Conv2DRelu, what it leaves alone, and that fusing changes no value: training with it is
// training without it, bit for bit, on one device and on two.
#include <doctest/doctest.h>

#include "core/layout.h"
#include "runtime/passes/fuse_activations.h"
#include "runtime/train/compile_training.h"
#include "tests/harness/training_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

namespace {

const std::vector<DeviceName> kOne = {{DeviceType::kCPU, 0}};
const std::vector<DeviceName> kTwo = {{DeviceType::kCPU, 0}, {DeviceType::kCPU, 1}};

CompileOptions fusing(bool fuse, const std::vector<DeviceName>& devices = kOne) {
  CompileOptions options;
  options.devices = devices;
  options.fuse_activations = fuse;
  return options;
}

// The model's Conv2D -> Relu pairs, by the Relu's name.
std::map<std::string, std::string> conv_relu_pairs(const Graph& model) {
  std::map<std::string, std::string> pairs;
  for (int r : model.nodes_with_op("Relu")) {
    const Node& conv = model.nodes[model.nodes[r].inputs[0].node];
    if (conv.op == "Conv2D") pairs[model.nodes[r].name] = conv.name;
  }
  return pairs;
}

}  // namespace

TEST_CASE("fuse_activations: every Conv2D read only by a Relu becomes a Conv2DRelu named after the Relu") {
  const Graph model = load("alexnet_mini.pbtxt", 4);
  const auto pairs = conv_relu_pairs(model);
  REQUIRE(pairs.size() == model.nodes_with_op("Conv2D").size());  // alexnet_mini: a ReLU after each conv
  for (bool training : {false, true}) {
    INFO("training: ", training);
    const Graph plain = training ? compile_training(model, {}, fusing(false)).training.graph
                                 : compile_inference(model, fusing(false)).graph;
    const Graph fused = training ? compile_training(model, {}, fusing(true)).training.graph
                                 : compile_inference(model, fusing(true)).graph;
    CHECK(fused.nodes_with_op("Conv2DRelu").size() == pairs.size());
    CHECK(fused.nodes_with_op("Conv2D").empty());
    CHECK(fused.nodes.size() == plain.nodes.size() - pairs.size());
    for (const auto& [relu, conv] : pairs) {
      INFO(relu);
      const Node& node = fused.node(relu);
      CHECK(node.op == "Conv2DRelu");
      CHECK(fused.find(conv) == -1);
      const Node& before = plain.node(conv);
      REQUIRE(node.inputs.size() == before.inputs.size());
      for (size_t k = 0; k < node.inputs.size(); ++k)
        CHECK(fused.tensor_name(node.inputs[k]) == plain.tensor_name(before.inputs[k]));
      for (const char* attr : {"filters", "groups"}) CHECK(node.attrs.i(attr) == before.attrs.i(attr));
      CHECK(node.outputs[0].shape == plain.node(relu).outputs[0].shape);
      // The profile's FLOPs: the convolution's and the Relu's, as before.
      CHECK(node.cost.flops == doctest::Approx(before.cost.flops + plain.node(relu).cost.flops));
      // The blocked-layout pass keeps what it chose for the Relu's output.
      CHECK(node.outputs[0].layout == plain.node(relu).outputs[0].layout);
    }
  }
}

TEST_CASE("fuse_activations: fetched convolutions, reference kernels and the option leave the graph alone") {
  const Graph model = load("alexnet_mini.pbtxt", 2);
  const std::string conv = conv_relu_pairs(model).begin()->second;
  CompileOptions keep = fusing(true);
  keep.fetched = {conv};
  const Graph kept = compile_inference(model, keep).graph;
  CHECK(kept.node(conv).op == "Conv2D");
  CHECK(kept.nodes_with_op("Conv2DRelu").size() == conv_relu_pairs(model).size() - 1);

  CompileOptions reference = fusing(true);
  reference.kernel_label = "reference";
  CHECK(compile_inference(model, reference).graph.nodes_with_op("Conv2DRelu").empty());
  CHECK(compile_inference(model, fusing(false)).graph.nodes_with_op("Conv2DRelu").empty());

  // A Conv2D with a second reader keeps its output: the pass does not fuse it.
  int fused = -1;
  Graph graph = compile_inference(model, fusing(false)).graph;
  proto::Graph p = to_proto(graph);
  proto::Node* extra = p.add_node();
  extra->set_name("second_reader");
  extra->set_op("Identity");
  extra->add_input(conv);
  extra->set_device(graph.node(conv).device);
  BuildOptions build;
  build.batch_size = graph.batch_size;
  Graph two_readers = fuse_activations(build_graph(p, build), {}, "", &fused);
  CHECK(fused == static_cast<int>(conv_relu_pairs(model).size()) - 1);
  CHECK(two_readers.node(conv).op == "Conv2D");
}

TEST_CASE("fuse_activations: training with fused Conv2D+Relu is bit for bit training without, on one device and two") {
  for (const auto& devices : {kOne, kTwo}) {
    INFO(devices.size(), " device(s)");
    check_same_training(load("alexnet_mini.pbtxt", 4), fusing(false, devices), fusing(true, devices), 0.01, 0);
  }
}

TEST_CASE("fuse_activations: on two devices the split's fetch-only gathers do not stop the fusion") {
  const Graph model = load("alexnet_mini.pbtxt", 4);
  const auto pairs = conv_relu_pairs(model);
  const Graph trained = compile_training(model, {}, fusing(true, kTwo)).training.graph;
  CHECK(trained.nodes_with_op("Conv2D").empty());
  CHECK(trained.nodes_with_op("Conv2DRelu").size() == 2 * pairs.size());  // each convolution in two parts
  CHECK(trained.find(pairs.begin()->second) == -1);  // its gather, which nothing reads, is gone
  // A fetched convolution keeps its parts and its gather under the logical name.
  const std::string conv = pairs.begin()->second;
  CompileOptions keep = fusing(true, kTwo);
  keep.fetched = {conv};
  const Graph kept = compile_inference(model, keep).graph;
  CHECK(kept.node(conv).op == "Concat");
  CHECK(kept.node(conv + "/part_1").op == "Conv2D");
  CHECK(kept.nodes_with_op("Conv2DRelu").size() == 2 * (pairs.size() - 1));
  // The model's outputs stay fetchable by name.
  for (int sink : model.sinks()) CHECK(kept.find(model.nodes[sink].name) != -1);
}

// The blocked-layout pass (runtime/passes/blocked_layout.h): which tensors it keeps in oneDNN's
// nChw16c, and that doing so changes no value: training steps with it equal those without, bit
// for bit, and a fetched blocked tensor comes back plain.
#include <doctest/doctest.h>

#include <cstring>

#include "core/graph_io.h"
#include "core/layout.h"
#include "runtime/exec/executor.h"
#include "runtime/passes/blocked_layout.h"
#include "runtime/train/compile_training.h"
#include "tests/harness/training_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

namespace {

// Unfused, so that each Conv2D's own output is there to look at (tests/fuse_activations_test.cc
// checks that the fused node's output lies as the Relu's did).
CompileOptions layouts(bool blocked) {
  CompileOptions options;
  options.blocked_layouts = blocked;
  options.fuse_activations = false;
  return options;
}

MemoryLayout layout_of(const Graph& g, const std::string& tensor) { return g.info(g.resolve(tensor)).layout; }

int blocked_count(const Graph& g) {
  int n = 0;
  for (const Node& node : g.nodes)
    for (const TensorInfo& out : node.outputs) n += out.layout == MemoryLayout::kBlocked16;
  return n;
}

}  // namespace

TEST_CASE("to_blocked puts channel c of pixel p at ((n, c/16), p, c%16) and to_plain undoes it") {
  Tensor plain(DType::kFloat32, Shape{2, 32, 3, 5});
  for (int64_t i = 0; i < plain.num_elements(); ++i) plain.data<float>()[i] = static_cast<float>(i);
  const Tensor blocked = to_blocked(plain);
  for (int64_t n : {0, 1})
    for (int64_t c : {0, 5, 15, 16, 31})
      for (int64_t p : {0, 7, 14}) {
        const float expected = plain.data<float>()[(n * 32 + c) * 15 + p];
        CHECK(blocked.data<float>()[((n * 2 + c / 16) * 15 + p) * 16 + c % 16] == expected);
      }
  const Tensor back = to_plain(blocked);
  CHECK(std::memcmp(back.raw(), plain.raw(), plain.num_elements() * sizeof(float)) == 0);
  CHECK_THROWS_WITH_AS(to_blocked(Tensor(DType::kFloat32, Shape{1, 3, 4, 4})),
                       doctest::Contains("cannot be channel-blocked"), Error);
}

TEST_CASE("blocked layouts: vgg_mini's activations between convolutions, pooling and ReLUs; inputs, weights and FC plain") {
  const Graph model = load("vgg_mini.pbtxt", 8);
  const Graph g = compile_training(model, {}, layouts(true)).training.graph;
  for (const char* t : {"conv1_1", "relu1_1", "conv1_2", "pool1", "conv2_1", "relu3_2"}) {
    INFO(t);
    CHECK(layout_of(g, t) == MemoryLayout::kBlocked16);
  }
  // The input has 1 channel; pool3 is read by Flatten; weights are updated by the optimizer.
  for (const char* t : {"data", "pool3", "flatten", "fc6", "conv1_1/weight", "conv1_2/weight"}) {
    INFO(t);
    CHECK(layout_of(g, t) == MemoryLayout::kPlain);
  }
  // The gradients flowing back through the blocked region are blocked too.
  int backward = 0;
  for (const Node& node : g.nodes)
    if ((node.op == "ReluGrad" || node.op == "MaxPoolGrad" || node.op == "Conv2DBackpropInput") &&
        node.outputs[0].layout == MemoryLayout::kBlocked16)
      ++backward;
  CHECK(backward >= 10);
  CHECK(blocked_count(compile_training(model, {}, layouts(false)).training.graph) == 0);
  // The reference kernels read plain tensors only.
  CompileOptions reference = layouts(true);
  reference.kernel_label = "reference";
  CHECK(blocked_count(compile_training(model, {}, reference).training.graph) == 0);
}

TEST_CASE("blocked layouts: alexnet_mini's LRNs and their gradients run blocked (channel groups of 32 and 64)") {
  const Graph g = compile_training(load("alexnet_mini.pbtxt", 8), {}, layouts(true)).training.graph;
  for (const char* t : {"relu1", "norm1", "pool1", "relu2", "norm2", "pool2"}) {
    INFO(t);
    CHECK(layout_of(g, t) == MemoryLayout::kBlocked16);
  }
  int lrn_grads = 0;
  for (const Node& node : g.nodes)
    if (node.op == "LRNGrad") {
      CHECK(node.outputs[0].layout == MemoryLayout::kBlocked16);
      for (const TensorRef& in : node.inputs) CHECK(g.info(in).layout == MemoryLayout::kBlocked16);
      ++lrn_grads;
    }
  CHECK(lrn_grads == 2);
}

TEST_CASE("blocked layouts: an LRN whose channel groups are not whole blocks of 16 keeps its tensors plain") {
  // 48 channels in 2 groups of 24: a block of 16 would straddle the groups.
  const Graph model = build_graph(parse_graph_text(R"(
    node { name: "x" op: "Placeholder" attr { name: "shape" shape { dim: [2, 8, 6, 6] } } }
    node { name: "conv" op: "Conv2D" input: "x" attr { name: "filters" i: 48 } attr { name: "kernel" i: 3 } }
    node { name: "norm" op: "LRN" input: "conv" attr { name: "groups" i: 2 } }
    node { name: "pool" op: "MaxPool" input: "norm" attr { name: "kernel" i: 2 } attr { name: "stride" i: 2 } }
    node { name: "conv2" op: "Conv2D" input: "pool" attr { name: "filters" i: 16 } attr { name: "kernel" i: 1 } })"));
  const Graph g = compile_inference(model, layouts(true)).graph;
  for (const char* t : {"conv", "norm"}) {
    INFO(t);
    CHECK(layout_of(g, t) == MemoryLayout::kPlain);
  }
  CHECK(layout_of(g, "pool") == MemoryLayout::kBlocked16);  // between MaxPool and Conv2D only
}

TEST_CASE("blocked layouts: training steps equal the plain ones (vgg_mini bit for bit, alexnet_mini to rounding)") {
  // The same oneDNN convolution and pooling primitives run either way; only reorders (exact
  // copies) move. oneDNN's forward LRN on nChw16c sums its 5-channel window in another order than
  // on plain NCHW, so alexnet_mini's values differ in the last bits (about 1e-7 relative).
  check_same_training(load("vgg_mini.pbtxt", 8), layouts(false), layouts(true), 0.01, 0);
  check_same_training(load("alexnet_mini.pbtxt", 8), layouts(false), layouts(true), 0.01, 1e-5);
}

TEST_CASE("blocked layouts: a fetched blocked tensor comes back plain, as without the pass") {
  const Graph model = load("vgg_mini.pbtxt", 4);
  const Tensor images = random_images(model.node("data").outputs[0], 5);
  auto fetch = [&](bool blocked, const std::string& tensor) {
    VariableStore vars;
    const Graph g = compile_inference(model, layouts(blocked)).graph;
    CHECK((layout_of(g, tensor) == MemoryLayout::kBlocked16) == blocked);
    Executor executor(g, vars, {.seed = 3});
    return executor.run({{"data", images}}, {tensor})[0];
  };
  for (const char* t : {"relu1_2", "pool2"}) {
    INFO(t);
    const Tensor plain = fetch(false, t), blocked = fetch(true, t);
    REQUIRE(plain.shape() == blocked.shape());
    CHECK(std::memcmp(plain.raw(), blocked.raw(), plain.num_elements() * sizeof(float)) == 0);
  }
}

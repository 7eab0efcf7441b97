#include <doctest/doctest.h>

#include "core/graph_io.h"
#include "runtime/exec/executor.h"
#include "runtime/passes/compile.h"
#include "tests/harness/op_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

namespace {

// x -> Relu on cpu:0 -> Identity on cpu:1: the partition pass puts a Send/Recv pair between them.
Graph two_device_chain() {
  proto::Graph g = parse_graph_text(R"(
    node { name: "x" op: "Placeholder" attr { name: "shape" shape { dim: [2, 3] } }
                attr { name: "dtype" dtype: DT_DOUBLE } }
    node { name: "a" op: "Relu" input: "x" device: "cpu:0" }
    node { name: "b" op: "Identity" input: "a" device: "cpu:1" }
  )", "send_recv_test");
  return build_graph(g);
}

}  // namespace

TEST_CASE("Send/Recv: the tensor received on cpu:1 equals the one sent from cpu:0, with either kernel label") {
  Graph placed = compile_inference(two_device_chain(), {{{DeviceType::kCPU, 0}, {DeviceType::kCPU, 1}}, ""}).graph;
  REQUIRE(placed.nodes_with_op("Send").size() == 1);
  REQUIRE(placed.nodes_with_op("Recv").size() == 1);
  const Node& recv = placed.nodes[placed.nodes_with_op("Recv")[0]];
  CHECK(recv.device == "cpu:1");
  CHECK(recv.attrs.s("from") == "cpu:0");

  Tensor x = tensor_of(Shape{2, 3}, {-1, 2, -3, 4, -5, 6});
  for (const std::string label : {"", "reference"}) {
    INFO("kernel label '" << label << "'");
    VariableStore vars;
    Executor executor(placed, vars, {.kernel_label = label});
    std::vector<Tensor> out = executor.run({{"x", x}}, {"a", recv.name, "b"});
    CHECK(compare(out[2], tensor_of(Shape{2, 3}, {0, 2, 0, 4, 0, 6}), 0, 0).empty());
    CHECK(compare(out[1], out[0], 0, 0).empty());
  }
}

TEST_CASE("Send/Recv: a run forced onto reference kernels compiles on two devices") {
  CHECK_NOTHROW(compile_inference(two_device_chain(), {{{DeviceType::kCPU, 0}, {DeviceType::kCPU, 1}}, "reference"}));
}

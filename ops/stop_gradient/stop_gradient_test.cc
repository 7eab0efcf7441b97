#include <doctest/doctest.h>

#include "core/gradient.h"
#include "core/graph_io.h"
#include "tests/harness/op_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

TEST_CASE("StopGradient: the forward hands on x without a copy; the gradient function adds nothing") {
  OpCase c{.op = "StopGradient", .input_shapes = {Shape{2, 3}}};
  NodeInfo node = make_node(c, DType::kFloat64);
  std::vector<Tensor> inputs = make_inputs(c, node);
  Tensor y = run_reference(node, inputs)[0];
  CHECK(y.raw() == inputs[0].raw());

  Graph g = build_graph(parse_graph_text(R"(
    node { name: "x" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 2] } } }
    node { name: "s" op: "StopGradient" input: "x" })"));
  proto::Graph out = to_proto(g);
  std::vector<std::string> grads = add_node_gradients(g, "s", {"x"}, out);
  CHECK(grads == std::vector<std::string>{""});
  CHECK(out.node_size() == 2);
}

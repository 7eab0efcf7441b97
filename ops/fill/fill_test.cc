#include <doctest/doctest.h>

#include "tests/harness/op_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

TEST_CASE("ZerosLike / OnesLike: shape and dtype of x, constant values") {
  for (const char* op : {"ZerosLike", "OnesLike"}) {
    OpCase c{.op = op, .input_shapes = {Shape{2, 3}}};
    NodeInfo node = make_node(c, DType::kFloat64);
    CHECK(node.outputs[0].shape == Shape{2, 3});
    Tensor y = run_reference(node, make_inputs(c, node))[0];
    double want = std::string(op) == "OnesLike" ? 1.0 : 0.0;
    for (double v : y.values<double>()) CHECK(v == want);
  }
}

#include <doctest/doctest.h>

#include "tests/harness/op_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

TEST_CASE("Identity: shape and a kernel that aliases its input") {
  for (DType dtype : {DType::kFloat32, DType::kFloat64, DType::kInt32, DType::kInt64}) {
    NodeInfo node = make_node(OpCase{.op = "Identity", .input_shapes = {Shape{2, 3, 5}}}, dtype);
    CHECK(node.outputs[0].dtype == dtype);
    CHECK(node.outputs[0].shape == Shape{2, 3, 5});
    Tensor x = Tensor::zeros(dtype, Shape{2, 3, 5});
    Tensor y = run_kernel(KernelRegistry::global().select(node), node, {x})[0];
    CHECK(y.raw() == x.raw());
    CHECK(y.shape() == Shape{2, 3, 5});
  }
  CHECK(
      build_error(OpCase{.op = "Identity", .input_shapes = {Shape{2}, Shape{2}}}).find("takes 1 input(s) (x), got 2") !=
      std::string::npos);
}

TEST_CASE("Identity: gradient against central differences") {
  CHECK(check_gradients(OpCase{.op = "Identity", .input_shapes = {Shape{2, 3}}}) == 1);
}

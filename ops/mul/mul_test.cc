#include <doctest/doctest.h>

#include "tests/harness/op_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

TEST_CASE("Mul: reference values, shapes that differ refused") {
  NodeInfo node = make_node(OpCase{.op = "Mul", .input_shapes = {Shape{3}, Shape{3}}}, DType::kFloat64);
  Tensor y = run_reference(node, {tensor_of(Shape{3}, {1.5, -2, 0}), tensor_of(Shape{3}, {2, 3, 5})})[0];
  CHECK(y.data<double>()[0] == 3.0);
  CHECK(y.data<double>()[1] == -6.0);
  CHECK(y.data<double>()[2] == 0.0);
  CHECK(contains(build_error(OpCase{.op = "Mul", .input_shapes = {Shape{3, 4}, Shape{4}}}),
                 "Mul 'node': input 0 (a) has shape [3,4] but input 1 (b) has shape [4]; Mul does not broadcast"));
}

TEST_CASE("Mul: oneDNN against reference; gradients of both inputs against central differences") {
  CHECK(check_kernels_against_reference(OpCase{.op = "Mul", .input_shapes = {Shape{2, 3, 5, 7}, Shape{2, 3, 5, 7}}}) == 1);
  CHECK(check_gradients(OpCase{.op = "Mul", .input_shapes = {Shape{3, 4}, Shape{3, 4}}}) == 2);
}

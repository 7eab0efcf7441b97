#include <doctest/doctest.h>

#include <cmath>

#include "tests/harness/op_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

TEST_CASE("Tanh: reference values, integer input refused") {
  NodeInfo node = make_node(OpCase{.op = "Tanh", .input_shapes = {Shape{3}}}, DType::kFloat64);
  Tensor y = run_reference(node, {tensor_of(Shape{3}, {0.0, 0.5, -30.0})})[0];
  CHECK(y.data<double>()[0] == 0.0);
  CHECK(y.data<double>()[1] == doctest::Approx(0.46211715726000974).epsilon(1e-15));
  CHECK(y.data<double>()[2] == -1.0);
  CHECK(contains(build_error(OpCase{.op = "Tanh", .input_shapes = {Shape{3}}, .input_dtypes = {DType::kInt64}}),
                 "Tanh 'node': input 0 must be float32 or float64"));
}

TEST_CASE("Tanh and TanhGrad: oneDNN against reference") {
  CHECK(check_kernels_against_reference(OpCase{.op = "Tanh", .input_shapes = {Shape{2, 3, 5, 7}}}) == 1);
  CHECK(check_kernels_against_reference(OpCase{.op = "TanhGrad", .input_shapes = {Shape{4, 9}, Shape{4, 9}}}) == 1);
}

TEST_CASE("Tanh: gradient against central differences") {
  CHECK(check_gradients(OpCase{.op = "Tanh", .input_shapes = {Shape{2, 5}}}) == 1);
}

#include <doctest/doctest.h>

#include <cmath>

#include "tests/harness/op_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

TEST_CASE("Softmax: reference values, stability and axis") {
  NodeInfo node = make_node(OpCase{.op = "Softmax", .input_shapes = {Shape{2, 3}}}, DType::kFloat64);
  CHECK(node.outputs[0].shape == Shape{2, 3});
  // Row 2 is row 1 + 1000: exp would overflow without subtracting the max.
  Tensor y = run_reference(node, {tensor_of({2, 3}, {1, 2, 3, 1001, 1002, 1003})})[0];
  const double want[] = {0.09003057317038046, 0.24472847105479764, 0.6652409557748219};
  for (int i = 0; i < 6; ++i) CHECK(y.values<double>()[i] == doctest::Approx(want[i % 3]).epsilon(1e-12));

  // axis 0: each column of [[0, 0], [log 3, 0]] normalizes separately.
  NodeInfo cols = make_node(OpCase{.op = "Softmax", .attrs = {{"axis", attr_int(0)}}, .input_shapes = {Shape{2, 2}}},
                            DType::kFloat64);
  Tensor yc = run_reference(cols, {tensor_of({2, 2}, {0, 0, std::log(3.0), 0})})[0];
  CHECK(yc.values<double>()[0] == doctest::Approx(0.25));
  CHECK(yc.values<double>()[1] == doctest::Approx(0.5));
  CHECK(yc.values<double>()[2] == doctest::Approx(0.75));
  CHECK(yc.values<double>()[3] == doctest::Approx(0.5));
}

TEST_CASE("Softmax: errors") {
  CHECK(contains(build_error(OpCase{.op = "Softmax", .attrs = {{"axis", attr_int(2)}}, .input_shapes = {Shape{4, 5}}}),
                 "Softmax 'node': attr 'axis' = 2 is out of range for input 0 of rank 2 (valid: -2..1)"));
  CHECK(contains(build_error(OpCase{.op = "Softmax", .attrs = {{"axis", attr_int(-3)}}, .input_shapes = {Shape{4, 5}}}),
                 "attr 'axis' = -3 is out of range"));
  CHECK(contains(build_error(OpCase{.op = "Softmax", .input_shapes = {Shape{4}}, .input_dtypes = {DType::kInt64}}),
                 "input 0 must be float32 or float64"));
}

TEST_CASE("Softmax: oneDNN against reference") {
  CHECK(check_kernels_against_reference(OpCase{.op = "Softmax", .input_shapes = {Shape{16, 1000}}}) == 1);
  CHECK(check_kernels_against_reference(
            OpCase{.op = "Softmax", .attrs = {{"axis", attr_int(1)}}, .input_shapes = {Shape{2, 7, 3, 5}}}) == 1);
  CHECK(check_kernels_against_reference(
            OpCase{.op = "Softmax", .attrs = {{"axis", attr_int(0)}}, .input_shapes = {Shape{9, 4}}}) == 1);
}

TEST_CASE("Softmax: gradient against central differences, last axis and axis 1 of NCHW") {
  CHECK(check_gradients(OpCase{.op = "Softmax", .input_shapes = {Shape{3, 5}}}) == 1);
  CHECK(check_gradients(
            OpCase{.op = "Softmax", .attrs = {{"axis", attr_int(1)}}, .input_shapes = {Shape{2, 3, 2, 2}}}) == 1);
}

TEST_CASE("SoftmaxGrad: values by hand and errors") {
  // y = [0.25, 0.75], dy = [1, 3]: sum(dy*y) = 2.5, dx = [0.25 * -1.5, 0.75 * 0.5].
  NodeInfo node = make_node(OpCase{.op = "SoftmaxGrad", .input_shapes = {Shape{1, 2}, Shape{1, 2}}}, DType::kFloat64);
  CHECK(node.outputs[0].shape == Shape{1, 2});
  Tensor dx = run_reference(node, {tensor_of({1, 2}, {1, 3}), tensor_of({1, 2}, {0.25, 0.75})})[0];
  CHECK(dx.values<double>()[0] == doctest::Approx(-0.375));
  CHECK(dx.values<double>()[1] == doctest::Approx(0.375));
  // A constant dy changes nothing: softmax is invariant to adding a constant to every input.
  Tensor zero = run_reference(node, {tensor_of({1, 2}, {4, 4}), tensor_of({1, 2}, {0.25, 0.75})})[0];
  CHECK(std::abs(zero.values<double>()[0]) < 1e-15);

  CHECK(contains(build_error(OpCase{.op = "SoftmaxGrad", .input_shapes = {Shape{2, 3}, Shape{2, 4}}}),
                 "SoftmaxGrad 'node': input 1 has shape [2,4], input 0 has [2,3]"));
  CHECK(
      contains(build_error(OpCase{
                   .op = "SoftmaxGrad", .attrs = {{"axis", attr_int(2)}}, .input_shapes = {Shape{2, 3}, Shape{2, 3}}}),
               "attr 'axis' = 2 is out of range"));
}

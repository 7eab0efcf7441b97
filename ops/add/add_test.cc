#include <doctest/doctest.h>

#include "tests/harness/op_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

namespace {

Tensor tensor_of(std::vector<double> values) {
  Tensor t(DType::kFloat64, Shape{static_cast<int64_t>(values.size())});
  std::copy(values.begin(), values.end(), t.data<double>());
  return t;
}

}  // namespace

TEST_CASE("Add: shape, reference values, errors, oneDNN against reference") {
  OpCase c{.op = "Add", .input_shapes = {Shape{2, 3, 4, 5}, Shape{2, 3, 4, 5}}};
  CHECK(make_node(c, DType::kFloat32).outputs[0].shape == Shape{2, 3, 4, 5});

  NodeInfo small = make_node(OpCase{.op = "Add", .input_shapes = {Shape{3}, Shape{3}}}, DType::kFloat64);
  Tensor y = run_reference(small, {tensor_of({1, 2, 3}), tensor_of({0.5, -2, 10})})[0];
  CHECK(y.values<double>()[0] == 1.5);
  CHECK(y.values<double>()[1] == 0.0);
  CHECK(y.values<double>()[2] == 13.0);

  CHECK(contains(build_error(OpCase{.op = "Add", .input_shapes = {Shape{2, 3}, Shape{3, 2}}}),
                 "Add 'node': input 0 (a) has shape [2,3] but input 1 (b) has shape [3,2]; Add does not broadcast"));
  CHECK(contains(
      build_error(OpCase{
          .op = "Add", .input_shapes = {Shape{3}, Shape{3}}, .input_dtypes = {DType::kFloat32, DType::kFloat64}}),
      "input 1 is float64 but input 0 is float32"));
  CHECK(contains(build_error(OpCase{.op = "Add", .input_shapes = {Shape{3}}}), "takes 2 input(s) (a, b), got 1"));

  CHECK(check_kernels_against_reference(c) == 1);
}

TEST_CASE("AddN: shape, reference values, errors, oneDNN against reference") {
  OpCase three{.op = "AddN", .input_shapes = {Shape{4, 6}, Shape{4, 6}, Shape{4, 6}}};
  CHECK(make_node(three, DType::kFloat32).outputs[0].shape == Shape{4, 6});

  NodeInfo node = make_node(OpCase{.op = "AddN", .input_shapes = {Shape{2}, Shape{2}, Shape{2}}}, DType::kFloat64);
  Tensor y = run_reference(node, {tensor_of({1, 2}), tensor_of({10, 20}), tensor_of({100, -200})})[0];
  CHECK(y.values<double>()[0] == 111.0);
  CHECK(y.values<double>()[1] == -178.0);
  NodeInfo one = make_node(OpCase{.op = "AddN", .input_shapes = {Shape{2}}}, DType::kFloat64);
  CHECK(run_reference(one, {tensor_of({4, 5})})[0].values<double>()[1] == 5.0);

  CHECK(contains(build_error(OpCase{.op = "AddN", .input_shapes = {Shape{2, 3}, Shape{2, 3}, Shape{3, 2}}}),
                 "AddN 'node': input 2 has shape [3,2], input 0 has [2,3]"));
  CHECK(contains(
      build_error(OpCase{
          .op = "AddN", .input_shapes = {Shape{3}, Shape{3}}, .input_dtypes = {DType::kFloat64, DType::kFloat32}}),
      "input 1 is float32 but input 0 is float64"));
  CHECK(contains(build_error(OpCase{.op = "AddN"}), "needs at least 1 input(s), got 0"));

  CHECK(check_kernels_against_reference(three) == 1);
  CHECK(check_kernels_against_reference(OpCase{.op = "AddN", .input_shapes = {Shape{7, 5}}}) == 1);
  CHECK(check_kernels_against_reference(OpCase{
            .op = "AddN", .input_shapes = {Shape{3, 10}, Shape{3, 10}, Shape{3, 10}, Shape{3, 10}, Shape{3, 10}}}) ==
        1);
}

TEST_CASE("Add and AddN: gradients against central differences") {
  CHECK(check_gradients(OpCase{.op = "Add", .input_shapes = {Shape{2, 3}, Shape{2, 3}}}) == 2);
  CHECK(check_gradients(OpCase{.op = "AddN", .input_shapes = {Shape{4}, Shape{4}, Shape{4}}}) == 3);
  CHECK(check_gradients(OpCase{.op = "AddN", .input_shapes = {Shape{2, 2}}}) == 1);
}

#include <doctest/doctest.h>

#include "tests/harness/op_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

namespace {
OpCase leaky_case(const std::string& op, std::vector<Shape> shapes, double alpha) {
  return OpCase{.op = op, .attrs = {{"alpha", attr_float(alpha)}}, .input_shapes = std::move(shapes)};
}
}  // namespace

TEST_CASE("LeakyRelu: reference values at both sides and the kink, default alpha 0.01") {
  NodeInfo node = make_node(OpCase{.op = "LeakyRelu", .input_shapes = {Shape{3}}}, DType::kFloat64);
  CHECK(node.attrs.f("alpha") == doctest::Approx(0.01));
  Tensor y = run_reference(node, {tensor_of(Shape{3}, {-2.0, 0.0, 3.0})})[0];
  CHECK(y.data<double>()[0] == doctest::Approx(-0.02));
  CHECK(y.data<double>()[1] == 0.0);
  CHECK(y.data<double>()[2] == 3.0);
  CHECK(contains(build_error(OpCase{.op = "LeakyRelu", .input_shapes = {Shape{3}}, .input_dtypes = {DType::kInt32}}),
                 "LeakyRelu 'node': input 0 must be float32 or float64"));
}

TEST_CASE("LeakyRelu and LeakyReluGrad: oneDNN against reference, negative alpha too") {
  for (double alpha : {0.1, -0.5}) {
    CHECK(check_kernels_against_reference(leaky_case("LeakyRelu", {Shape{2, 3, 5, 7}}, alpha)) == 1);
    CHECK(check_kernels_against_reference(leaky_case("LeakyReluGrad", {Shape{2, 3, 5, 7}, Shape{2, 3, 5, 7}}, alpha)) ==
          1);
  }
}

TEST_CASE("LeakyReluGrad: slope alpha at the kink x = 0") {
  NodeInfo node = make_node(leaky_case("LeakyReluGrad", {Shape{3}, Shape{3}}, 0.25), DType::kFloat64);
  Tensor dx = run_reference(node, {tensor_of(Shape{3}, {4, 4, 4}), tensor_of(Shape{3}, {-1, 0, 1})})[0];
  CHECK(dx.data<double>()[0] == 1.0);
  CHECK(dx.data<double>()[1] == 1.0);
  CHECK(dx.data<double>()[2] == 4.0);
}

TEST_CASE("LeakyRelu: gradient against central differences (inputs away from the kink)") {
  OpCase c = leaky_case("LeakyRelu", {Shape{3, 4}}, 0.2);
  c.fill = [](int, Tensor& t) {
    for (int64_t i = 0; i < t.num_elements(); ++i) t.data<double>()[i] = (i % 2 ? 1.0 : -1.0) * (0.1 + 0.05 * i);
  };
  CHECK(check_gradients(c) == 1);
}

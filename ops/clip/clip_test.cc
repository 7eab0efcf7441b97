#include <doctest/doctest.h>

#include "tests/harness/op_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

namespace {
OpCase clip_case(const std::string& op, std::vector<Shape> shapes, double min, double max) {
  return OpCase{.op = op, .attrs = {{"min", attr_float(min)}, {"max", attr_float(max)}}, .input_shapes = std::move(shapes)};
}
}  // namespace

TEST_CASE("Clip: reference values, unbounded by default, min above max refused") {
  NodeInfo node = make_node(clip_case("Clip", {Shape{4}}, -0.5, 0.25), DType::kFloat64);
  Tensor y = run_reference(node, {tensor_of(Shape{4}, {-3, -0.5, 0.1, 7})})[0];
  CHECK(y.data<double>()[0] == -0.5);
  CHECK(y.data<double>()[1] == -0.5);
  CHECK(y.data<double>()[2] == 0.1);
  CHECK(y.data<double>()[3] == 0.25);
  NodeInfo open = make_node(OpCase{.op = "Clip", .input_shapes = {Shape{2}}}, DType::kFloat64);
  Tensor same = run_reference(open, {tensor_of(Shape{2}, {-1e30, 1e30})})[0];
  CHECK(same.data<double>()[0] == -1e30);
  CHECK(same.data<double>()[1] == 1e30);
  CHECK(contains(build_error(clip_case("Clip", {Shape{3}}, 1, 0)), "Clip 'node': attr 'min' = 1 is above attr 'max' = 0"));
}

TEST_CASE("Clip and ClipGrad: oneDNN against reference") {
  CHECK(check_kernels_against_reference(clip_case("Clip", {Shape{2, 3, 5, 7}}, -0.3, 0.6)) == 1);
  CHECK(check_kernels_against_reference(clip_case("ClipGrad", {Shape{2, 3, 5, 7}, Shape{2, 3, 5, 7}}, -0.3, 0.6)) == 1);
}

TEST_CASE("ClipGrad: dy strictly inside the bounds, 0 at the kinks and outside") {
  NodeInfo node = make_node(clip_case("ClipGrad", {Shape{5}, Shape{5}}, 0, 6), DType::kFloat64);
  Tensor dx = run_reference(node, {tensor_of(Shape{5}, {1, 1, 1, 1, 1}), tensor_of(Shape{5}, {-1, 0, 3, 6, 7})})[0];
  std::vector<double> want{0, 0, 1, 0, 0};
  for (int i = 0; i < 5; ++i) CHECK(dx.data<double>()[i] == want[i]);
}

TEST_CASE("Clip: gradient against central differences (inputs away from the bounds)") {
  OpCase c = clip_case("Clip", {Shape{3, 4}}, -0.5, 0.5);
  c.fill = [](int, Tensor& t) {
    for (int64_t i = 0; i < t.num_elements(); ++i) t.data<double>()[i] = -0.9 + 0.17 * i;  // none at +-0.5
  };
  CHECK(check_gradients(c) == 1);
}

#include <doctest/doctest.h>

#include "tests/harness/op_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

namespace {
OpCase scale_shift_case(Shape x) {
  int64_t c = x[1];
  return OpCase{.op = "ScaleShift", .input_shapes = {x, Shape{c}, Shape{c}}};
}
}  // namespace

TEST_CASE("ScaleShift: per-channel values, channel count checked") {
  NodeInfo node = make_node(scale_shift_case(Shape{1, 2, 2}), DType::kFloat64);
  Tensor y = run_reference(node, {tensor_of(Shape{1, 2, 2}, {1, 2, 3, 4}), tensor_of(Shape{2}, {10, -1}),
                                  tensor_of(Shape{2}, {0.5, 100})})[0];
  std::vector<double> want{10.5, 20.5, 97, 96};
  for (int i = 0; i < 4; ++i) CHECK(y.data<double>()[i] == want[i]);
  CHECK(contains(build_error(OpCase{.op = "ScaleShift", .input_shapes = {Shape{2, 3, 4, 4}, Shape{4}, Shape{3}}}),
                 "ScaleShift 'node': input 1 has shape [4], expected [3] (one value per channel"));
  CHECK(contains(build_error(OpCase{.op = "ScaleShift", .input_shapes = {Shape{3}, Shape{3}, Shape{3}}}),
                 "input 0 must have rank 2 or more"));
}

TEST_CASE("ScaleShift: the oneTBB kernel against reference (float32 and float64, rank 2 and 4)") {
  CHECK(check_kernels_against_reference(scale_shift_case(Shape{3, 5, 6, 7})) == 2);
  CHECK(check_kernels_against_reference(scale_shift_case(Shape{4, 9})) == 2);
}

TEST_CASE("ScaleShift: gradients of x, scale and shift against central differences") {
  CHECK(check_gradients(scale_shift_case(Shape{2, 3, 4, 5})) == 3);
}

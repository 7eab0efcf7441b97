#include <doctest/doctest.h>

#include "tests/harness/op_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

namespace {
OpCase pad_case(Shape x, std::vector<int64_t> pads, double value = 0) {
  return OpCase{.op = "Pad", .attrs = {{"pads", attr_ints(std::move(pads))}, {"value", attr_float(value)}},
                .input_shapes = {std::move(x)}};
}
}  // namespace

TEST_CASE("Pad: shape, values, asymmetric pads, errors by name") {
  OpCase c = pad_case(Shape{2, 3}, {1, 0, 0, 2}, -1);
  NodeInfo node = make_node(c, DType::kFloat64);
  CHECK(node.outputs[0].shape == Shape{3, 5});
  Tensor y = run_reference(node, {tensor_of(Shape{2, 3}, {1, 2, 3, 4, 5, 6})})[0];
  std::vector<double> want{-1, -1, -1, -1, -1, 1, 2, 3, -1, -1, 4, 5, 6, -1, -1};
  for (int i = 0; i < 15; ++i) CHECK(y.data<double>()[i] == want[i]);
  CHECK(contains(build_error(pad_case(Shape{2, 3}, {1, 1})), "Pad 'node': attr 'pads' = [1, 1] has 2 values; input 0 has rank 2"));
  CHECK(contains(build_error(pad_case(Shape{2, 3}, {0, -1, 0, 0})), "pads must be >= 0"));
}

TEST_CASE("Pad: the oneTBB kernel against reference, ranks 1 to 4") {
  CHECK(check_kernels_against_reference(pad_case(Shape{2, 3, 5, 7}, {0, 1, 2, 0, 0, 2, 1, 3}, 0.5)) == 2);
  CHECK(check_kernels_against_reference(pad_case(Shape{4, 6}, {2, 0, 1, 3})) == 2);
  CHECK(check_kernels_against_reference(pad_case(Shape{5}, {3, 0})) == 2);
}

TEST_CASE("Pad: gradient (a Slice of dy) against central differences") {
  CHECK(check_gradients(pad_case(Shape{2, 3, 4}, {0, 1, 2, 0, 2, 1})) == 1);
  CHECK(check_gradients(pad_case(Shape{2, 3}, {1, 0, 0, 0})) == 1);
}

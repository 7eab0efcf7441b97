#include <doctest/doctest.h>

#include <algorithm>

#include "tests/harness/op_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

namespace {

OpCase pool_case(const std::string& op, Shape input, std::vector<int64_t> kernel, std::vector<int64_t> stride,
                 std::vector<int64_t> pad = {0, 0}, bool ceil_mode = false, bool count_include_pad = true) {
  OpCase c{.op = "AvgPool", .input_shapes = {input}};
  c.attrs = {{"kernel", attr_ints(kernel)},
             {"pad", attr_ints(pad)},
             {"ceil_mode", attr_bool(ceil_mode)},
             {"count_include_pad", attr_bool(count_include_pad)}};
  if (!stride.empty()) c.attrs.push_back({"stride", attr_ints(stride)});
  if (op == "AvgPoolGrad") {  // (dy, x): dy takes the forward's output shape (x's if none)
    Shape y = build_error(c).empty() ? make_node(c, DType::kFloat64).outputs[0].shape : input;
    c.op = op;
    c.input_shapes = {y, input};
  }
  return c;
}

Tensor filled(Shape shape, double value) {
  Tensor t(DType::kFloat64, shape);
  std::fill(t.data<double>(), t.data<double>() + t.num_elements(), value);
  return t;
}

// dx of the reference kernel for dy = 1 everywhere.
std::vector<double> dx_of_ones(const OpCase& c) {
  Tensor dx =
      run_reference(make_node(c, DType::kFloat64), {filled(c.input_shapes[0], 1), filled(c.input_shapes[1], 0)})[0];
  return {dx.values<double>().begin(), dx.values<double>().end()};
}

void check_has(const std::string& text, const std::string& part) {
  CHECK_MESSAGE(text.find(part) != std::string::npos, "message: ", text);
}

}  // namespace

TEST_CASE("AvgPoolGrad: shape, and a dy that is not the pooled shape is refused") {
  OpCase c = pool_case("AvgPoolGrad", Shape{2, 8, 6, 6}, {3, 3}, {2, 2}, {1, 1}, true);
  CHECK(c.input_shapes[0] == Shape{2, 8, 4, 4});
  CHECK(make_node(c, DType::kFloat32).outputs[0].shape == Shape{2, 8, 6, 6});
  c.input_shapes[0] = Shape{2, 8, 3, 3};
  check_has(build_error(c),
            "AvgPoolGrad 'node': dy has shape [2,8,3,3], expected the pooling's output shape [2,8,4,4]");
  OpCase rank = pool_case("AvgPoolGrad", Shape{2, 8, 6, 6}, {3, 3}, {2, 2});
  rank.input_shapes[1] = Shape{8, 6, 6};
  check_has(build_error(rank), "input 1 must have rank 4, got shape [8,6,6]");
}

TEST_CASE("AvgPoolGrad: divides as the forward (padding, count_include_pad, ceil mode)") {
  // 2x2 stride 2 pad 1 on 3x3: each real cell lies in one window. Counting padding, every window
  // divides by 4; without, the corner window holds 1 real cell, the edge ones 2.
  CHECK(dx_of_ones(pool_case("AvgPoolGrad", Shape{1, 1, 3, 3}, {2, 2}, {2, 2}, {1, 1}, false, true)) ==
        std::vector<double>(9, 0.25));
  CHECK(dx_of_ones(pool_case("AvgPoolGrad", Shape{1, 1, 3, 3}, {2, 2}, {2, 2}, {1, 1}, false, false)) ==
        std::vector<double>{1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.5, 0.25, 0.25});
  // Ceil mode: one 3x3 window over a 2x2 input hangs past it; PyTorch divides by the 4 cells inside.
  CHECK(dx_of_ones(pool_case("AvgPoolGrad", Shape{1, 1, 2, 2}, {3, 3}, {2, 2}, {0, 0}, true)) ==
        std::vector<double>(4, 0.25));
  // Overlapping 3x3 stride 2 windows on 5x5: the centre cell is in all four, each dividing by 9.
  std::vector<double> dx = dx_of_ones(pool_case("AvgPoolGrad", Shape{1, 1, 5, 5}, {3, 3}, {2, 2}));
  CHECK(dx[12] == doctest::Approx(4.0 / 9));
  CHECK(dx[0] == doctest::Approx(1.0 / 9));
  CHECK(dx[2] == doctest::Approx(2.0 / 9));
}

TEST_CASE("AvgPoolGrad: oneDNN against reference, and the forward's refusal") {
  CHECK(check_kernels_against_reference(pool_case("AvgPoolGrad", Shape{2, 16, 13, 13}, {3, 3}, {2, 2})) == 1);
  CHECK(check_kernels_against_reference(
            pool_case("AvgPoolGrad", Shape{2, 4, 7, 7}, {3, 3}, {2, 2}, {1, 1}, false, true)) == 1);
  CHECK(check_kernels_against_reference(
            pool_case("AvgPoolGrad", Shape{2, 4, 7, 7}, {3, 3}, {2, 2}, {1, 1}, false, false)) == 1);
  CHECK(check_kernels_against_reference(
            pool_case("AvgPoolGrad", Shape{2, 3, 6, 6}, {3, 3}, {2, 2}, {1, 1}, true, false)) == 1);
  CHECK(check_kernels_against_reference(
            pool_case("AvgPoolGrad", Shape{2, 3, 6, 6}, {3, 3}, {2, 2}, {0, 0}, true, false)) == 1);
  CHECK(check_kernels_against_reference(
            pool_case("AvgPoolGrad", Shape{2, 3, 7, 7}, {3, 3}, {2, 2}, {0, 0}, true, true)) == 1);
  CHECK(check_kernels_against_reference(pool_case("AvgPoolGrad", Shape{1, 5, 9, 8}, {3, 2}, {1, 2}, {1, 1})) == 1);
  // A ceil-mode window past the padded input with count_include_pad: only the reference runs it.
  CHECK(check_kernels_against_reference(
            pool_case("AvgPoolGrad", Shape{2, 3, 6, 6}, {3, 3}, {2, 2}, {1, 1}, true, true)) == 0);
}

TEST_CASE("AvgPool: gradient against central differences") {
  CHECK(check_gradients(pool_case("AvgPool", Shape{2, 2, 7, 7}, {3, 3}, {2, 2})) == 1);
  CHECK(check_gradients(pool_case("AvgPool", Shape{1, 2, 6, 6}, {3, 3}, {2, 2}, {1, 1}, true, true)) == 1);
  CHECK(check_gradients(pool_case("AvgPool", Shape{1, 2, 6, 6}, {3, 3}, {2, 2}, {1, 1}, true, false)) == 1);
  CHECK(check_gradients(pool_case("AvgPool", Shape{1, 2, 5, 6}, {2, 3}, {1, 2}, {1, 0})) == 1);
  CHECK(check_gradients(pool_case("AvgPool", Shape{1, 2, 4, 6}, {2, 2}, {})) == 1);  // default stride
}

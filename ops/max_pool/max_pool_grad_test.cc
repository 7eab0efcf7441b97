#include <doctest/doctest.h>

#include <algorithm>

#include "ops/max_pool/max_pool_test_inputs.h"
#include "tests/harness/bfloat16_case.h"
#include "tests/harness/op_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

namespace {

OpCase pool_case(const std::string& op, Shape input, std::vector<int64_t> kernel, std::vector<int64_t> stride,
                 std::vector<int64_t> pad = {0, 0}, bool ceil_mode = false) {
  OpCase c{.op = "MaxPool", .input_shapes = {input}};
  c.attrs = {{"kernel", attr_ints(kernel)}, {"pad", attr_ints(pad)}, {"ceil_mode", attr_bool(ceil_mode)}};
  if (!stride.empty()) c.attrs.push_back({"stride", attr_ints(stride)});
  if (op == "MaxPoolGrad") {  // (dy, x): dy takes the forward's output shape (x's if none)
    Shape y = build_error(c).empty() ? make_node(c, DType::kFloat64).outputs[0].shape : input;
    c.op = op;
    c.input_shapes = {y, input};
  }
  return c;
}

void check_has(const std::string& text, const std::string& part) {
  CHECK_MESSAGE(text.find(part) != std::string::npos, "message: ", text);
}

std::vector<double> run_grad(const OpCase& c, const Tensor& dy, const Tensor& x) {
  Tensor dx = run_reference(make_node(c, DType::kFloat64), {dy, x})[0];
  return {dx.values<double>().begin(), dx.values<double>().end()};
}

Tensor tensor(Shape shape, std::vector<double> values) {
  Tensor t(DType::kFloat64, shape);
  std::copy(values.begin(), values.end(), t.data<double>());
  return t;
}

}  // namespace

TEST_CASE("MaxPoolGrad: shape, and a dy that is not the pooled shape is refused") {
  OpCase c = pool_case("MaxPoolGrad", Shape{2, 16, 13, 13}, {3, 3}, {2, 2});
  CHECK(c.input_shapes[0] == Shape{2, 16, 6, 6});
  CHECK(make_node(c, DType::kFloat32).outputs[0].shape == Shape{2, 16, 13, 13});
  c.input_shapes[0] = Shape{2, 16, 7, 7};
  check_has(build_error(c),
            "MaxPoolGrad 'node': dy has shape [2,16,7,7], expected the pooling's output shape [2,16,6,6] for x "
            "[2,16,13,13]");
  check_has(build_error(pool_case("MaxPoolGrad", Shape{1, 1, 8, 8}, {3, 3}, {1, 1}, {2, 1})),
            "pad 2x1 must be at most half of kernel 3x3");
}

TEST_CASE("MaxPoolGrad: routes dy to the first maximum; overlapping windows add up") {
  OpCase c = pool_case("MaxPoolGrad", Shape{1, 1, 5, 5}, {3, 3}, {2, 2});
  Tensor dy = tensor(Shape{1, 1, 2, 2}, {1, 10, 100, 1000});
  // One peak in the centre, shared by all four overlapping windows.
  std::vector<double> peak(25, 0.0);
  peak[12] = 5;
  std::vector<double> dx = run_grad(c, dy, tensor(Shape{1, 1, 5, 5}, peak));
  CHECK(dx[12] == 1111);
  CHECK(std::accumulate(dx.begin(), dx.end(), 0.0) == 1111);
  // All equal: each window's first (top-left) cell, rows 0 and 2, columns 0 and 2.
  dx = run_grad(c, dy, tensor(Shape{1, 1, 5, 5}, std::vector<double>(25, -3.0)));
  CHECK(dx[0] == 1);
  CHECK(dx[2] == 10);
  CHECK(dx[10] == 100);
  CHECK(dx[12] == 1000);
  CHECK(std::accumulate(dx.begin(), dx.end(), 0.0) == 1111);
  // Padding never wins, even over negative values (3x3 stride 1 pad 1 on a 2x2 all -1 plane).
  OpCase padded = pool_case("MaxPoolGrad", Shape{1, 1, 2, 2}, {3, 3}, {1, 1}, {1, 1});
  dx = run_grad(padded, tensor(Shape{1, 1, 2, 2}, {1, 2, 3, 4}), tensor(Shape{1, 1, 2, 2}, {-1, -1, -1, -1}));
  CHECK(dx == std::vector<double>{10, 0, 0, 0});
}

TEST_CASE("MaxPoolGrad: oneDNN against reference") {
  // AlexNet's 3x3 stride 2 with distinct values, as the task states.
  CHECK(check_kernels_against_reference(
            with_distinct_x(pool_case("MaxPoolGrad", Shape{2, 16, 13, 13}, {3, 3}, {2, 2}))) == 1);
  CHECK(check_kernels_against_reference(
            with_distinct_x(pool_case("MaxPoolGrad", Shape{2, 96, 55, 55}, {3, 3}, {2, 2}))) == 1);
  CHECK(check_kernels_against_reference(
            with_distinct_x(pool_case("MaxPoolGrad", Shape{2, 3, 6, 6}, {3, 3}, {2, 2}, {0, 0}, true))) == 1);
  CHECK(check_kernels_against_reference(
            with_distinct_x(pool_case("MaxPoolGrad", Shape{2, 3, 10, 9}, {3, 3}, {2, 2}, {1, 1}, true))) == 1);
  CHECK(check_kernels_against_reference(
            with_distinct_x(pool_case("MaxPoolGrad", Shape{1, 5, 9, 7}, {3, 2}, {1, 2}, {1, 1}))) == 1);
  CHECK(check_kernels_against_reference(with_distinct_x(pool_case("MaxPoolGrad", Shape{2, 4, 8, 8}, {2, 2}, {}))) == 1);
}

TEST_CASE("MaxPoolGrad: oneDNN keeps the first maximum too (inputs full of ties)") {
  for (Shape shape : {Shape{2, 16, 13, 13}, Shape{2, 64, 27, 27}}) {
    OpCase c = pool_case("MaxPoolGrad", shape, {3, 3}, {2, 2});
    c.fill = [](int input, Tensor& t) {  // dy: 1..7; x: 0, 1 or 2
      for (int64_t i = 0; i < t.num_elements(); ++i)
        set(t, i, input == 0 ? 1.0 + static_cast<double>(i % 7) : static_cast<double>((i * 7919) % 3));
    };
    CHECK(check_kernels_against_reference(c) == 1);
  }
}

TEST_CASE("MaxPool: gradient against central differences (distinct inputs, no kinks)") {
  CHECK(check_gradients(with_distinct_x(pool_case("MaxPool", Shape{2, 2, 7, 7}, {3, 3}, {2, 2}))) == 1);
  CHECK(check_gradients(with_distinct_x(pool_case("MaxPool", Shape{1, 2, 6, 6}, {3, 3}, {2, 2}, {1, 1}, true))) == 1);
  CHECK(check_gradients(with_distinct_x(pool_case("MaxPool", Shape{1, 2, 5, 6}, {2, 3}, {1, 2}, {1, 0}))) == 1);
  CHECK(check_gradients(with_distinct_x(pool_case("MaxPool", Shape{1, 2, 4, 6}, {2, 2}, {}))) == 1);  // default stride
}

TEST_CASE("MaxPoolGrad: bfloat16 oneDNN kernel against the float32 reference") {
  if (!bfloat16_cpu()) return;
  // Rounding to bfloat16 makes ties of nearby values; both sides see the same rounded inputs and
  // pass the gradient to the first maximum.
  CHECK(check_bfloat16_kernels(
            bfloat16_tolerance(with_distinct_x(pool_case("MaxPoolGrad", Shape{2, 16, 13, 13}, {3, 3}, {2, 2})))) == 1);
  CHECK(check_bfloat16_kernels(bfloat16_tolerance(
            with_distinct_x(pool_case("MaxPoolGrad", Shape{2, 3, 10, 9}, {3, 3}, {2, 2}, {1, 1}, true)))) == 1);
}

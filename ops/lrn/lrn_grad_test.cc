#include <doctest/doctest.h>

#include "ops/lrn/lrn_test_case.h"
#include "tests/harness/bfloat16_case.h"
#include "tests/harness/op_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

namespace {

// The paper's constants (AlexNet norm1 / norm2).
OpCase alexnet(const std::string& op, Shape input, int64_t groups) {
  return lrn_case(op, input, 5, 5e-4, 0.75, 2.0, groups);
}

void check_has(const std::string& text, const std::string& part) {
  CHECK_MESSAGE(text.find(part) != std::string::npos, "message: ", text);
}

}  // namespace

TEST_CASE("LRNGrad: shape, and errors name the problem") {
  NodeInfo node = make_node(alexnet("LRNGrad", Shape{2, 96, 13, 13}, 2), DType::kFloat32);
  CHECK(node.outputs[0].shape == Shape{2, 96, 13, 13});
  OpCase wrong_dy = alexnet("LRNGrad", Shape{2, 96, 13, 13}, 2);
  wrong_dy.input_shapes[0] = Shape{2, 96, 13, 12};
  check_has(build_error(wrong_dy), "LRNGrad 'node': dy has shape [2,96,13,12], expected x's shape [2,96,13,13]");
  check_has(build_error(alexnet("LRNGrad", Shape{2, 96, 13, 13}, 5)),
            "attr 'groups' = 5 does not divide input channels 96");
  check_has(build_error(lrn_case("LRNGrad", Shape{2, 96, 13, 13}, 4, 5e-4, 0.75, 2, 1)), "attr 'size' = 4 must be odd");
}

TEST_CASE("LRNGrad: hand-computed values") {
  // alpha / size = 1, beta 1, bias 1, every channel alone (groups 3): y = x / (1 + x^2), so
  // dy/dx = (1 - x^2) / (1 + x^2)^2: 0, -3/25, -8/100 at x = 1, 2, 3.
  OpCase alone = lrn_case("LRNGrad", Shape{1, 3, 1, 1}, 3, 3.0, 1.0, 1.0, 3);
  Tensor dy(DType::kFloat64, Shape{1, 3, 1, 1}), x(DType::kFloat64, Shape{1, 3, 1, 1});
  for (int c = 0; c < 3; ++c) dy.data<double>()[c] = 1, x.data<double>()[c] = c + 1;
  Tensor dx = run_reference(make_node(alone, DType::kFloat64), {dy, x})[0];
  CHECK(dx.data<double>()[0] == doctest::Approx(0.0));
  CHECK(dx.data<double>()[1] == doctest::Approx(-0.12));
  CHECK(dx.data<double>()[2] == doctest::Approx(-0.08));

  // One window over two channels (groups 1, size 3): d = 1 + x0^2 + x1^2 for both; with x = (1, 2),
  // d = 6 and dy = (1, 0): dx0 = 1/6 - 2 * 1 * 1/36 = 1/9, dx1 = -2 * 2 * 1/36 = -1/9.
  OpCase pair = lrn_case("LRNGrad", Shape{1, 2, 1, 1}, 3, 3.0, 1.0, 1.0, 1);
  Tensor dy2(DType::kFloat64, Shape{1, 2, 1, 1}), x2(DType::kFloat64, Shape{1, 2, 1, 1});
  dy2.data<double>()[0] = 1, dy2.data<double>()[1] = 0, x2.data<double>()[0] = 1, x2.data<double>()[1] = 2;
  dx = run_reference(make_node(pair, DType::kFloat64), {dy2, x2})[0];
  CHECK(dx.data<double>()[0] == doctest::Approx(1.0 / 9));
  CHECK(dx.data<double>()[1] == doctest::Approx(-1.0 / 9));
}

TEST_CASE("LRNGrad: oneDNN against reference (AlexNet constants, groups, chunks, wide windows)") {
  CHECK(check_kernels_against_reference(alexnet("LRNGrad", Shape{2, 8, 5, 5}, 1)) == 1);
  CHECK(check_kernels_against_reference(alexnet("LRNGrad", Shape{2, 8, 5, 5}, 2)) == 1);
  CHECK(check_kernels_against_reference(alexnet("LRNGrad", Shape{2, 96, 13, 13}, 1)) == 1);
  CHECK(check_kernels_against_reference(alexnet("LRNGrad", Shape{2, 96, 13, 13}, 2)) == 1);
  CHECK(check_kernels_against_reference(alexnet("LRNGrad", Shape{4, 96, 27, 27}, 2)) == 1);  // 2 chunks
  CHECK(check_kernels_against_reference(alexnet("LRNGrad", Shape{2, 96, 55, 55}, 2)) == 1);  // 4 chunks
  // Large alpha so the cross-channel term matters; a window wider than the group; size 1.
  CHECK(check_kernels_against_reference(lrn_case("LRNGrad", Shape{2, 32, 6, 6}, 5, 4.0, 0.75, 1.0, 2)) == 1);
  CHECK(check_kernels_against_reference(lrn_case("LRNGrad", Shape{2, 12, 5, 7}, 7, 0.5, 0.6, 1.5, 4)) == 1);
  CHECK(check_kernels_against_reference(lrn_case("LRNGrad", Shape{1, 6, 4, 4}, 1, 1.0, 0.5, 1.0, 3)) == 1);
}

TEST_CASE("LRN: gradient against central differences") {
  CHECK(check_gradients(alexnet("LRN", Shape{2, 8, 3, 3}, 1)) == 1);
  CHECK(check_gradients(alexnet("LRN", Shape{2, 8, 3, 3}, 2)) == 1);
  // Large alpha: the cross-channel term is as large as the diagonal one.
  CHECK(check_gradients(lrn_case("LRN", Shape{1, 6, 2, 3}, 3, 3.0, 0.75, 1.0, 2)) == 1);
  CHECK(check_gradients(lrn_case("LRN", Shape{1, 5, 2, 2}, 5, 2.0, 1.3, 0.5, 1)) == 1);
}

TEST_CASE("LRNGrad: bfloat16 oneDNN kernel against the float32 reference") {
  if (!bfloat16_cpu()) return;
  CHECK(check_bfloat16_kernels(bfloat16_tolerance(alexnet("LRNGrad", Shape{2, 96, 13, 13}, 2))) == 1);
  CHECK(check_bfloat16_kernels(bfloat16_tolerance(alexnet("LRNGrad", Shape{4, 96, 27, 27}, 2))) == 1);  // 2 chunks
}

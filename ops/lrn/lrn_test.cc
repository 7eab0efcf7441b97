#include <doctest/doctest.h>

#include <cmath>

#include "ops/lrn/lrn_test_case.h"
#include "tests/harness/bfloat16_case.h"
#include "tests/harness/op_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

namespace {

OpCase lrn(Shape input, int64_t size, double alpha, double beta, double bias, int64_t groups) {
  return lrn_case("LRN", std::move(input), size, alpha, beta, bias, groups);
}

// y of the reference kernel for x = [1, 2, 3] as a [1, 3, 1, 1] input.
std::vector<double> run_123(const OpCase& c) {
  Tensor x(DType::kFloat64, Shape{1, 3, 1, 1});
  x.data<double>()[0] = 1, x.data<double>()[1] = 2, x.data<double>()[2] = 3;
  Tensor y = run_reference(make_node(c, DType::kFloat64), {x})[0];
  return {y.values<double>().begin(), y.values<double>().end()};
}

// Checks that `text` contains `part`, showing the whole text when it does not.
void check_has(const std::string& text, const std::string& part) {
  CHECK_MESSAGE(text.find(part) != std::string::npos, "message: ", text);
}

}  // namespace

TEST_CASE("LRN: shape and defaults") {
  NodeInfo node = make_node(OpCase{.op = "LRN", .input_shapes = {Shape{2, 96, 13, 13}}}, DType::kFloat32);
  CHECK(node.outputs[0].shape == Shape{2, 96, 13, 13});
  CHECK(node.attrs.i("size") == 5);
  CHECK(node.attrs.f("alpha") == doctest::Approx(1e-4));
  CHECK(node.attrs.f("beta") == doctest::Approx(0.75));
  CHECK(node.attrs.f("bias") == 1.0);
  CHECK(node.attrs.i("groups") == 1);
}

TEST_CASE("LRN: attr and shape errors name the problem") {
  // (3 does divide 96, so the spec's example message is shown with 5.)
  check_has(build_error(lrn(Shape{2, 96, 13, 13}, 5, 5e-4, 0.75, 2, 5)),
            "LRN 'node': attr 'groups' = 5 does not divide input channels 96");
  check_has(build_error(lrn(Shape{2, 96, 13, 13}, 4, 5e-4, 0.75, 2, 1)), "LRN 'node': attr 'size' = 4 must be odd");
  check_has(build_error(lrn(Shape{2, 96, 13, 13}, 0, 5e-4, 0.75, 2, 1)), "attr 'size' = 0 must be positive");
  check_has(build_error(lrn(Shape{2, 96, 13, 13}, 5, 5e-4, 0.75, 2, 0)), "attr 'groups' = 0 must be positive");
  check_has(build_error(lrn(Shape{2, 96, 13}, 5, 5e-4, 0.75, 2, 1)), "input 0 must have rank 4, got shape [2,96,13]");
  OpCase ints = lrn(Shape{1, 4, 2, 2}, 3, 1e-4, 0.75, 1, 1);
  ints.input_dtypes = {DType::kInt32};
  check_has(build_error(ints), "input 0 must be float32 or float64");
}

TEST_CASE("LRN: hand-computed values, alpha divided by size, windows clipped to the group") {
  // alpha / size = 1, beta 1, bias 1: y[c] = x[c] / (1 + sum of squares in the window).
  // groups 1 (PyTorch's LocalResponseNorm(3, alpha=3, beta=1, k=1) gives the same values).
  std::vector<double> y = run_123(lrn(Shape{1, 3, 1, 1}, 3, 3.0, 1.0, 1.0, 1));
  CHECK(y[0] == doctest::Approx(1.0 / (1 + 1 + 4)));
  CHECK(y[1] == doctest::Approx(2.0 / (1 + 1 + 4 + 9)));
  CHECK(y[2] == doctest::Approx(3.0 / (1 + 4 + 9)));
  // groups 3: every channel is alone.
  y = run_123(lrn(Shape{1, 3, 1, 1}, 3, 3.0, 1.0, 1.0, 3));
  CHECK(y[0] == doctest::Approx(0.5));
  CHECK(y[1] == doctest::Approx(0.4));
  CHECK(y[2] == doctest::Approx(0.3));
  // The paper's constants: the size-5 window covers all three channels.
  y = run_123(lrn(Shape{1, 3, 1, 1}, 5, 5e-4, 0.75, 2.0, 1));
  for (int c = 0; c < 3; ++c) CHECK(y[c] == doctest::Approx((c + 1) / std::pow(2.0 + 1e-4 * 14, 0.75)));
  CHECK(y[0] == doctest::Approx(0.5943).epsilon(1e-4));  // torch.nn.LocalResponseNorm(5, 5e-4, 0.75, 2)
}

TEST_CASE("LRN: oneDNN against reference (AlexNet norm1/norm2, groups, wide windows)") {
  CHECK(check_kernels_against_reference(lrn(Shape{2, 96, 13, 13}, 5, 5e-4, 0.75, 2, 1)) == 1);
  CHECK(check_kernels_against_reference(lrn(Shape{2, 96, 13, 13}, 5, 5e-4, 0.75, 2, 2)) == 1);
  CHECK(check_kernels_against_reference(lrn(Shape{2, 96, 55, 55}, 5, 5e-4, 0.75, 2, 2)) == 1);
  CHECK(check_kernels_against_reference(lrn(Shape{2, 256, 27, 27}, 5, 5e-4, 0.75, 2, 2)) == 1);
  CHECK(check_kernels_against_reference(lrn(Shape{2, 12, 5, 7}, 7, 0.5, 0.6, 1.5, 4)) == 1);  // window > group
  CHECK(check_kernels_against_reference(lrn(Shape{1, 10, 3, 3}, 3, 2.0, 1.0, 1.0, 1)) == 1);
  CHECK(check_kernels_against_reference(lrn(Shape{1, 6, 4, 4}, 1, 1.0, 0.5, 1.0, 3)) == 1);
}

TEST_CASE("LRN: bfloat16 oneDNN kernel against the float32 reference") {
  if (!bfloat16_cpu()) return;
  CHECK(check_bfloat16_kernels(bfloat16_tolerance(lrn(Shape{2, 96, 13, 13}, 5, 5e-4, 0.75, 2, 2))) == 1);
  CHECK(check_bfloat16_kernels(bfloat16_tolerance(lrn(Shape{2, 12, 5, 7}, 7, 0.5, 0.6, 1.5, 4))) == 1);
}

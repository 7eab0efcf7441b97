#include <doctest/doctest.h>

#include "tests/harness/bfloat16_case.h"
#include "tests/harness/op_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

TEST_CASE("Relu: shape, reference values, oneDNN against reference") {
  OpCase c{.op = "Relu", .input_shapes = {Shape{2, 3, 5, 7}}};
  NodeInfo node = make_node(c, DType::kFloat64);
  CHECK(node.outputs[0].shape == Shape{2, 3, 5, 7});

  Tensor x(DType::kFloat64, Shape{4});
  auto v = x.values<double>();
  v[0] = -1.5, v[1] = 0.0, v[2] = 2.0, v[3] = -0.0;
  NodeInfo small = make_node(OpCase{.op = "Relu", .input_shapes = {Shape{4}}}, DType::kFloat64);
  Tensor y = run_reference(small, {x})[0];
  CHECK(y.values<double>()[0] == 0.0);
  CHECK(y.values<double>()[2] == 2.0);

  CHECK(check_kernels_against_reference(c) == 1);  // the oneDNN float32 kernel
}

TEST_CASE("Relu: integer input is refused by name") {
  OpCase c{.op = "Relu", .input_shapes = {Shape{3}}, .input_dtypes = {DType::kInt64}};
  CHECK(build_error(c).find("Relu 'node': input 0 must be float32 or float64") != std::string::npos);
}

TEST_CASE("Relu: gradient against central differences (inputs kept away from the kink)") {
  OpCase c{.op = "Relu", .input_shapes = {Shape{3, 4}}};
  c.fill = [](int, Tensor& t) {
    for (int64_t i = 0; i < t.num_elements(); ++i) t.data<double>()[i] = (i % 2 ? 1.0 : -1.0) * (0.1 + 0.05 * i);
  };
  CHECK(check_gradients(c) == 1);
}

TEST_CASE("ReluGrad: oneDNN against reference") {
  OpCase c{.op = "ReluGrad", .input_shapes = {Shape{2, 3, 5, 7}, Shape{2, 3, 5, 7}}};
  CHECK(check_kernels_against_reference(c) == 1);
}

TEST_CASE("ReluGrad: passes dy where x > 0, also at x = 0 it gives 0") {
  OpCase c{.op = "ReluGrad", .input_shapes = {Shape{4}, Shape{4}}};
  NodeInfo node = make_node(c, DType::kFloat64);
  Tensor dy(DType::kFloat64, Shape{4}), x(DType::kFloat64, Shape{4});
  double xs[] = {-1, 0, 2, 3};
  for (int i = 0; i < 4; ++i) dy.data<double>()[i] = 10 + i, x.data<double>()[i] = xs[i];
  Tensor dx = run_reference(node, {dy, x})[0];
  CHECK(dx.data<double>()[0] == 0);
  CHECK(dx.data<double>()[1] == 0);
  CHECK(dx.data<double>()[2] == 12);
}

TEST_CASE("Relu and ReluGrad: bfloat16 oneDNN kernels against the float32 reference") {
  if (!bfloat16_cpu()) return;
  CHECK(check_bfloat16_kernels(bfloat16_tolerance(OpCase{.op = "Relu", .input_shapes = {Shape{2, 3, 5, 7}}})) == 1);
  CHECK(check_bfloat16_kernels(
            bfloat16_tolerance(OpCase{.op = "ReluGrad", .input_shapes = {Shape{2, 3, 5, 7}, Shape{2, 3, 5, 7}}})) == 1);
}

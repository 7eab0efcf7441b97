#include <doctest/doctest.h>

#include "tests/harness/op_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

TEST_CASE("ApplyMomentum: the paper's update rule, with lr_mult and decay_mult") {
  OpCase c{.op = "ApplyMomentum",
           .attrs = {{"lr_mult", attr_float(2.0)}, {"decay_mult", attr_float(0.5)}},
           .input_shapes = {Shape{3}, Shape{3}, Shape{3}, Shape{}}};
  NodeInfo node = make_node(c, DType::kFloat64);
  Tensor w(DType::kFloat64, Shape{3}), v(DType::kFloat64, Shape{3}), g(DType::kFloat64, Shape{3}),
      lr(DType::kFloat64, Shape{});
  double w0[] = {1.0, -2.0, 0.5}, v0[] = {0.1, 0.0, -0.3}, g0[] = {0.2, 1.0, -4.0};
  for (int i = 0; i < 3; ++i) w.data<double>()[i] = w0[i], v.data<double>()[i] = v0[i], g.data<double>()[i] = g0[i];
  lr.data<double>()[0] = 0.01;
  Tensor out = run_reference(node, {w, v, g, lr})[0];
  for (int i = 0; i < 3; ++i) {
    double lr_eff = 0.02, wd_eff = 0.0005 * 0.5;
    double v1 = 0.9 * v0[i] - wd_eff * lr_eff * w0[i] - lr_eff * g0[i];
    CHECK(v.data<double>()[i] == doctest::Approx(v1).epsilon(1e-15));
    CHECK(w.data<double>()[i] == doctest::Approx(w0[i] + v1).epsilon(1e-15));
    CHECK(out.data<double>()[i] == w.data<double>()[i]);
  }
}

TEST_CASE("ApplyMomentum: shape errors name the input") {
  OpCase c{.op = "ApplyMomentum", .input_shapes = {Shape{3}, Shape{4}, Shape{3}, Shape{}}};
  CHECK(build_error(c) == "ApplyMomentum 'node': input 1 is float32 [4], var is float32 [3]");
  OpCase lr{.op = "ApplyMomentum", .input_shapes = {Shape{3}, Shape{3}, Shape{3}, Shape{2}}};
  CHECK(build_error(lr) == "ApplyMomentum 'node': lr must be a scalar, got [2]");
}

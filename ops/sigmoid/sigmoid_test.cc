#include <doctest/doctest.h>

#include <cmath>

#include "core/plugin_host.h"
#include "tests/harness/op_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

TEST_CASE("Sigmoid: registered through the plugin ABI as a built-in op") {
  const OpDef& def = OpRegistry::global().get("Sigmoid");
  CHECK(def.library == "builtin");
  CHECK(def.grad_fn != nullptr);
  CHECK(def.split_fn != nullptr);
  for (const KernelDef* k : KernelRegistry::global().for_op("Sigmoid")) CHECK(k->library == "builtin");
}

TEST_CASE("Sigmoid: reference values, integer input refused, gradient against central differences") {
  NodeInfo node = make_node(OpCase{.op = "Sigmoid", .input_shapes = {Shape{3}}}, DType::kFloat64);
  Tensor y = run_reference(node, {tensor_of(Shape{3}, {0.0, 2.0, -40.0})})[0];
  CHECK(y.data<double>()[0] == 0.5);
  CHECK(y.data<double>()[1] == doctest::Approx(1 / (1 + std::exp(-2.0))).epsilon(1e-15));
  CHECK(y.data<double>()[2] == doctest::Approx(std::exp(-40.0)).epsilon(1e-12));
  CHECK(contains(build_error(OpCase{.op = "Sigmoid", .input_shapes = {Shape{3}}, .input_dtypes = {DType::kInt32}}),
                 "Sigmoid 'node': input 0 must be float32 or float64"));
  CHECK(check_gradients(OpCase{.op = "Sigmoid", .input_shapes = {Shape{2, 5}}}) == 1);
}

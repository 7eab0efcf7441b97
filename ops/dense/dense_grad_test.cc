#include <doctest/doctest.h>

#include "tests/harness/bfloat16_case.h"
#include "tests/harness/op_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

namespace {

OpCase backprop(const std::string& op, int64_t batch, int64_t in, int64_t units) {
  return OpCase{
      .op = op, .input_shapes = {Shape{batch, in}, Shape{units, in}, Shape{batch, units}}, .rtol = 1e-4, .atol = 1e-4};
}

}  // namespace

TEST_CASE("Dense: gradient against central differences (x, weight, bias)") {
  OpCase c{.op = "Dense", .attrs = {{"units", attr_int(4)}}, .input_shapes = {Shape{3, 5}, Shape{4, 5}, Shape{4}}};
  CHECK(check_gradients(c) == 3);
  OpCase no_bias{.op = "Dense",
                 .attrs = {{"units", attr_int(3)}, {"use_bias", attr_bool(false)}},
                 .input_shapes = {Shape{2, 6}, Shape{3, 6}}};
  CHECK(check_gradients(no_bias) == 2);
}

TEST_CASE("DenseBackpropInput and DenseBackpropWeight: shapes and errors") {
  NodeInfo dx = make_node(backprop("DenseBackpropInput", 3, 7, 5), DType::kFloat32);
  CHECK(dx.outputs[0].shape == Shape{3, 7});
  NodeInfo dw = make_node(backprop("DenseBackpropWeight", 3, 7, 5), DType::kFloat32);
  REQUIRE(dw.outputs.size() == 2);
  CHECK(dw.outputs[0].shape == Shape{5, 7});
  CHECK(dw.outputs[1].shape == Shape{5});

  OpCase bad_w{.op = "DenseBackpropInput", .input_shapes = {Shape{3, 7}, Shape{5, 6}, Shape{3, 5}}};
  CHECK(
      contains(build_error(bad_w), "DenseBackpropInput 'node': input 1 (weight) has shape [5,6], expected [units, 7]"));
  OpCase bad_dy{.op = "DenseBackpropWeight", .input_shapes = {Shape{3, 7}, Shape{5, 7}, Shape{4, 5}}};
  CHECK(contains(build_error(bad_dy), "input 2 (dy) has shape [4,5], expected [batch, units] = [3,5]"));
  OpCase rank{.op = "DenseBackpropWeight", .input_shapes = {Shape{3, 7, 1}, Shape{5, 7}, Shape{3, 5}}};
  CHECK(contains(build_error(rank), "input 0 (x) must have rank 2, got shape [3,7,1]"));
}

TEST_CASE("DenseBackpropInput and DenseBackpropWeight: reference values by hand") {
  // x [2,3], W [2,3], dy [2,2].
  Tensor x = tensor_of({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor w = tensor_of({2, 3}, {1, 0, -1, 0.5, 0.5, 0.5});
  Tensor dy = tensor_of({2, 2}, {1, 2, -1, 0});

  Tensor dx = run_reference(make_node(backprop("DenseBackpropInput", 2, 3, 2), DType::kFloat64), {x, w, dy})[0];
  // dx = dy W: row 0 = 1*[1,0,-1] + 2*[.5,.5,.5] = [2,1,0]; row 1 = -1*[1,0,-1] = [-1,0,1].
  std::vector<double> want_dx{2, 1, 0, -1, 0, 1};
  for (int i = 0; i < 6; ++i) CHECK(dx.values<double>()[i] == want_dx[i]);

  auto grads = run_reference(make_node(backprop("DenseBackpropWeight", 2, 3, 2), DType::kFloat64), {x, w, dy});
  // dW = dy^T x: row 0 = 1*[1,2,3] - 1*[4,5,6] = [-3,-3,-3]; row 1 = 2*[1,2,3] = [2,4,6].
  std::vector<double> want_dw{-3, -3, -3, 2, 4, 6};
  for (int i = 0; i < 6; ++i) CHECK(grads[0].values<double>()[i] == want_dw[i]);
  CHECK(grads[1].values<double>()[0] == 0);  // 1 - 1
  CHECK(grads[1].values<double>()[1] == 2);  // 2 + 0
}

TEST_CASE("DenseBackpropInput and DenseBackpropWeight: oneDNN against reference") {
  for (const char* op : {"DenseBackpropInput", "DenseBackpropWeight"}) {
    INFO(op);
    CHECK(check_kernels_against_reference(backprop(op, 5, 300, 37)) == 1);
    CHECK(check_kernels_against_reference(backprop(op, 16, 1024, 300)) == 1);
    CHECK(check_kernels_against_reference(backprop(op, 1, 9, 1)) == 1);
  }
}

TEST_CASE("DenseBackpropInput and DenseBackpropWeight: bfloat16 oneDNN kernels against the float32 reference") {
  if (!bfloat16_cpu()) return;
  for (const std::string op : {"DenseBackpropInput", "DenseBackpropWeight"}) {
    INFO(op);
    CHECK(check_bfloat16_kernels(bfloat16_tolerance(backprop(op, 3, 7, 5))) == 1);
    CHECK(check_bfloat16_kernels(bfloat16_tolerance(backprop(op, 16, 300, 37))) == 1);
  }
}

TEST_CASE("DenseBackpropWeight: float32 gradients from bfloat16 inputs (float32_gradients)") {
  OpCase c = backprop("DenseBackpropWeight", 16, 300, 37);
  c.attrs = {{"float32_gradients", attr_bool(true)}};
  NodeInfo node = make_node(c, DType::kBFloat16);
  CHECK(node.outputs[0].dtype == DType::kFloat32);
  CHECK(node.outputs[1].dtype == DType::kFloat32);
  CHECK(make_node(c, DType::kFloat32).outputs[0].dtype == DType::kFloat32);  // a no-op on float32
  CHECK(contains(build_error(c, DType::kFloat64), "attr 'float32_gradients' would narrow float64 inputs"));
  if (!bfloat16_cpu()) return;
  // Within float32's tolerance, not bfloat16's: the sums are never rounded to 8 bits.
  CHECK(check_bfloat16_kernels(c) == 1);
}

#include <doctest/doctest.h>

#include "core/graph_io.h"
#include "tests/harness/bfloat16_case.h"
#include "tests/harness/op_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

TEST_CASE("Dense: implicit parameters, shapes and cost") {
  OpCase c{.op = "Dense", .attrs = {{"units", attr_int(5)}}, .input_shapes = {Shape{3, 7}}};
  NodeInfo node = make_node(c, DType::kFloat32);
  REQUIRE(node.inputs.size() == 3);
  CHECK(node.inputs[1].shape == Shape{5, 7});
  CHECK(node.inputs[2].shape == Shape{5});
  CHECK(node.outputs[0].shape == Shape{3, 5});

  OpCase no_bias{
      .op = "Dense", .attrs = {{"units", attr_int(5)}, {"use_bias", attr_bool(false)}}, .input_shapes = {Shape{3, 7}}};
  CHECK(make_node(no_bias, DType::kFloat32).inputs.size() == 2);

  // The loader creates <node>/weight and <node>/bias from the *_init attrs; cost is 2*N*in*units.
  Graph g = build_graph(parse_graph_text(R"(
    node { name: "x" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 6] } } }
    node { name: "fc" op: "Dense" input: "x" attr { name: "units" i: 4 }
      attr { name: "weight_init" init { gaussian { std: 0.01 } } } })"),
                        BuildOptions{.batch_size = 3});
  CHECK(g.node("fc").cost.flops == 2.0 * 3 * 6 * 4);
  CHECK(g.node("fc/weight").attrs.init("init").has_gaussian());
  CHECK(g.node("fc/weight").outputs[0].shape == Shape{4, 6});
  CHECK(g.node("fc/bias").attrs.init("init").constant().value() == 0.0);
}

TEST_CASE("Dense: shape and attr errors name the problem") {
  auto dense = [](std::vector<Shape> shapes, int64_t units = 4) {
    return OpCase{.op = "Dense", .attrs = {{"units", attr_int(units)}}, .input_shapes = std::move(shapes)};
  };
  std::string e = build_error(dense({Shape{2, 3, 4}}));
  CHECK(contains(e, "Dense 'node': input 0 (x) must have rank 2"));
  CHECK(contains(e, "Flatten"));
  CHECK(contains(build_error(dense({Shape{2, 3}, Shape{4, 5}, Shape{4}})),
                 "input 1 (weight) has shape [4,5], expected [units, in] = [4,3]"));
  CHECK(contains(build_error(dense({Shape{2, 3}, Shape{4, 3}, Shape{5}})),
                 "input 2 (bias) has shape [5], expected [units] = [4]"));
  CHECK(contains(build_error(dense({Shape{2, 3}}, 0)), "attr 'units' = 0 must be positive"));
  CHECK(contains(build_error(OpCase{.op = "Dense", .input_shapes = {Shape{2, 3}}}), "missing required attr 'units'"));
  CHECK(contains(build_error(dense({Shape{2, 3}, Shape{4, 3}})), "or 3 with its parameters (x, weight, bias), got 2"));
  OpCase ints = dense({Shape{2, 3}, Shape{4, 3}, Shape{4}});
  ints.input_dtypes = {DType::kInt64, DType::kInt64, DType::kInt64};
  CHECK(contains(build_error(ints), "input 0 must be float32 or float64"));
}

TEST_CASE("Dense: reference values by hand") {
  OpCase c{.op = "Dense", .attrs = {{"units", attr_int(2)}}, .input_shapes = {Shape{2, 3}, Shape{2, 3}, Shape{2}}};
  NodeInfo node = make_node(c, DType::kFloat64);
  Tensor x = tensor_of({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor w = tensor_of({2, 3}, {1, 0, -1, 0.5, 0.5, 0.5});
  Tensor b = tensor_of({2}, {10, -1});
  Tensor y = run_reference(node, {x, w, b})[0];
  REQUIRE(y.shape() == Shape{2, 2});
  auto v = y.values<double>();
  CHECK(v[0] == 8.0);  // 1 - 3 + 10
  CHECK(v[1] == 2.0);  // 0.5 * 6 - 1
  CHECK(v[2] == 8.0);  // 4 - 6 + 10
  CHECK(v[3] == 6.5);  // 0.5 * 15 - 1

  OpCase nb{.op = "Dense",
            .attrs = {{"units", attr_int(2)}, {"use_bias", attr_bool(false)}},
            .input_shapes = {Shape{2, 3}, Shape{2, 3}}};
  Tensor y2 = run_reference(make_node(nb, DType::kFloat64), {x, w})[0];
  CHECK(y2.values<double>()[0] == -2.0);
  CHECK(y2.values<double>()[3] == 7.5);
}

TEST_CASE("Dense: oneDNN against reference") {
  OpCase c{
      .op = "Dense", .attrs = {{"units", attr_int(37)}}, .input_shapes = {Shape{5, 300}}, .rtol = 1e-4, .atol = 1e-5};
  CHECK(check_kernels_against_reference(c) == 1);
  c.attrs.push_back({"use_bias", attr_bool(false)});
  CHECK(check_kernels_against_reference(c) == 1);
  OpCase wide{.op = "Dense",
              .attrs = {{"units", attr_int(300)}},
              .input_shapes = {Shape{16, 1024}},
              .rtol = 1e-4,
              .atol = 1e-4};
  CHECK(check_kernels_against_reference(wide) == 1);
}

TEST_CASE("Dense: bfloat16 oneDNN kernel against the float32 reference") {
  if (!bfloat16_cpu()) return;
  // Explicit weight and bias inputs: the mixed-precision pass feeds them as Casts of float32 Variables.
  auto dense = [](int64_t batch, int64_t in, int64_t units, bool bias) {
    OpCase c{.op = "Dense", .attrs = {{"units", attr_int(units)}, {"use_bias", attr_bool(bias)}},
             .input_shapes = {Shape{batch, in}, Shape{units, in}}};
    if (bias) c.input_shapes.push_back(Shape{units});
    return bfloat16_tolerance(c);
  };
  CHECK(check_bfloat16_kernels(dense(5, 300, 37, true)) == 1);
  CHECK(check_bfloat16_kernels(dense(5, 300, 37, false)) == 1);
  CHECK(check_bfloat16_kernels(dense(16, 1024, 300, true)) == 1);
}

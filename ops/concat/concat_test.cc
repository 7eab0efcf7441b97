#include <doctest/doctest.h>

#include "core/gradient.h"
#include "core/graph_io.h"
#include "tests/harness/op_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

namespace {

OpCase concat(std::vector<Shape> shapes, int64_t axis = 1) {
  return OpCase{.op = "Concat", .attrs = {{"axis", attr_int(axis)}}, .input_shapes = std::move(shapes)};
}

}  // namespace

TEST_CASE("Concat: shapes") {
  CHECK(make_node(concat({Shape{2, 3, 4}, Shape{2, 5, 4}}), DType::kFloat32).outputs[0].shape == Shape{2, 8, 4});
  CHECK(make_node(concat({Shape{2, 3, 4}, Shape{2, 3, 1}, Shape{2, 3, 2}}, -1), DType::kFloat32).outputs[0].shape ==
        Shape{2, 3, 7});
  CHECK(make_node(concat({Shape{2, 3}}, 0), DType::kFloat32).outputs[0].shape == Shape{2, 3});
  OpCase defaults{.op = "Concat", .input_shapes = {Shape{1, 2}, Shape{1, 3}}};
  CHECK(make_node(defaults, DType::kFloat32).outputs[0].shape == Shape{1, 5});
}

TEST_CASE("Concat: reference values") {
  NodeInfo node = make_node(concat({Shape{2, 2}, Shape{2, 1}}), DType::kFloat64);
  Tensor a(DType::kFloat64, Shape{2, 2}), b(DType::kFloat64, Shape{2, 1});
  for (int i = 0; i < 4; ++i) a.data<double>()[i] = i + 1;  // [[1, 2], [3, 4]]
  b.data<double>()[0] = 5, b.data<double>()[1] = 6;         // [[5], [6]]
  Tensor y = run_reference(node, {a, b})[0];
  const double want[] = {1, 2, 5, 3, 4, 6};
  for (int i = 0; i < 6; ++i) CHECK(y.values<double>()[i] == want[i]);

  // Integer tensors concatenate too (the reference kernel is type-agnostic).
  NodeInfo ints = make_node(concat({Shape{2}, Shape{1}}, 0), DType::kInt64);
  Tensor p(DType::kInt64, Shape{2}), q(DType::kInt64, Shape{1});
  p.data<int64_t>()[0] = 7, p.data<int64_t>()[1] = 8, q.data<int64_t>()[0] = 9;
  Tensor r = run_reference(ints, {p, q})[0];
  CHECK(r.data<int64_t>()[2] == 9);
}

TEST_CASE("Concat: errors name the input") {
  CHECK(contains(build_error(concat({Shape{2, 3, 4}, Shape{2, 3}})),
                 "Concat 'node': input 1 has shape [2,3] of rank 2, input 0 has [2,3,4] of rank 3"));
  CHECK(contains(build_error(concat({Shape{2, 3, 4}, Shape{2, 3, 4}, Shape{3, 3, 4}})),
                 "input 2 has shape [3,3,4], input 0 has [2,3,4]: all dimensions but axis 1 must match"));
  CHECK(contains(build_error(concat({Shape{2, 3}, Shape{2, 3}}, 2)), "attr 'axis' = 2 is out of range"));
  OpCase mixed = concat({Shape{2, 3}, Shape{2, 3}});
  mixed.input_dtypes = {DType::kFloat32, DType::kFloat64};
  CHECK(contains(build_error(mixed), "input 1 is float64 but input 0 is float32"));
  CHECK(contains(build_error(OpCase{.op = "Concat"}), "needs at least 1 input(s), got 0"));
}

TEST_CASE("Concat: oneDNN against reference") {
  CHECK(check_kernels_against_reference(concat({Shape{2, 3, 4, 5}, Shape{2, 1, 4, 5}, Shape{2, 6, 4, 5}})) == 1);
  CHECK(check_kernels_against_reference(concat({Shape{3, 4}, Shape{2, 4}}, 0)) == 1);
  CHECK(check_kernels_against_reference(concat({Shape{2, 3, 4}, Shape{2, 3, 7}}, -1)) == 1);
  CHECK(check_kernels_against_reference(concat({Shape{4, 9}}, 1)) == 1);
}

namespace {

// Concat of a [-1, 3, 2] and b [-1, b1, 2] along `axis`, with the gradient function's nodes added.
proto::Graph concat_with_grads(int64_t axis, int64_t b1) {
  Graph g = build_graph(parse_graph_text(fmt::format(R"(
    node {{ name: "a" op: "Placeholder" attr {{ name: "shape" shape {{ dim: [-1, 3, 2] }} }} }}
    node {{ name: "b" op: "Placeholder" attr {{ name: "shape" shape {{ dim: [-1, {}, 2] }} }} }}
    node {{ name: "c" op: "Concat" input: ["a", "b"] attr {{ name: "axis" i: {} }} }})",
                                                     b1, axis)),
                        BuildOptions{.batch_size = 4});
  proto::Graph out = to_proto(g);
  add_node_gradients(g, "c", {"dy"}, out);
  return out;
}

}  // namespace

TEST_CASE("Concat: gradient against central differences") {
  CHECK(check_gradients(concat({Shape{2, 3, 2}, Shape{2, 1, 2}, Shape{2, 2, 2}})) == 3);
  CHECK(check_gradients(concat({Shape{2, 2, 3}, Shape{2, 2, 1}}, -1)) == 2);
}

TEST_CASE("Concat: gradient slices bake no batch size; along axis 0 equal parts split, unequal ones are refused") {
  proto::Graph out = concat_with_grads(1, 2);
  std::vector<std::string> slices;
  for (const auto& node : out.node())
    if (node.op() == "Slice") {
      std::string begin, size;
      for (const auto& a : node.attr()) (a.name() == "begin" ? begin : size) = attr_value_str(a);
      slices.push_back(begin + " " + size);
    }
  CHECK(slices == std::vector<std::string>{"[0,0,0] [-1,3,-1]", "[0,3,0] [-1,2,-1]"});

  // Two shares of a batch (a data-parallel gather): Split(dy) in two, for any batch size.
  proto::Graph split = concat_with_grads(0, 3);
  int splits = 0;
  for (const auto& node : split.node())
    if (node.op() == "Split") {
      ++splits;
      CHECK(node.input(0) == "dy");
    }
  CHECK(splits == 1);

  Graph unequal = build_graph(parse_graph_text(R"(
    node { name: "a" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 3] } } }
    node { name: "b" op: "Placeholder" attr { name: "shape" shape { dim: [2, 3] } } }
    node { name: "c" op: "Concat" input: ["a", "b"] attr { name: "axis" i: 0 } })"),
                              BuildOptions{.batch_size = 4});
  proto::Graph out2 = to_proto(unequal);
  std::string error;
  try {
    add_node_gradients(unequal, "c", {"dy"}, out2);
  } catch (const Error& e) {
    error = e.what();
  }
  CHECK(contains(error, "Concat 'c': no gradient for a concatenation of unequal parts along axis 0"));
}

TEST_CASE("Concat: along axis 0, the gradient of equal parts against central differences") {
  CHECK(check_gradients(concat({Shape{2, 3}, Shape{2, 3}, Shape{2, 3}}, 0)) == 3);
}

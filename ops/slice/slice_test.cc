#include <doctest/doctest.h>

#include "core/gradient.h"
#include "core/graph_io.h"
#include "core/variable_store.h"
#include "runtime/exec/executor.h"
#include "tests/harness/op_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

namespace {

OpCase slice(Shape x, std::vector<int64_t> begin, std::vector<int64_t> size) {
  return OpCase{.op = "Slice", .attrs = {{"begin", attr_ints(begin)}, {"size", attr_ints(size)}}, .input_shapes = {x}};
}

OpCase split(Shape x, int64_t axis, int64_t parts) {
  return OpCase{
      .op = "Split", .attrs = {{"axis", attr_int(axis)}, {"num_split", attr_int(parts)}}, .input_shapes = {x}};
}

// 0, 1, 2, ... in row-major order.
Tensor iota(Shape shape) {
  Tensor t(DType::kFloat64, std::move(shape));
  for (int64_t i = 0; i < t.num_elements(); ++i) t.data<double>()[i] = static_cast<double>(i);
  return t;
}

std::vector<double> values(const Tensor& t) { return {t.values<double>().begin(), t.values<double>().end()}; }

}  // namespace

TEST_CASE("Slice: shapes and reference values") {
  CHECK(make_node(slice({4, 6, 8}, {1, 2, 0}, {2, -1, 8}), DType::kFloat32).outputs[0].shape == Shape{2, 4, 8});

  NodeInfo box = make_node(slice({2, 3, 4}, {0, 1, 1}, {2, 2, 2}), DType::kFloat64);
  CHECK(values(run_reference(box, {iota({2, 3, 4})})[0]) == std::vector<double>{5, 6, 9, 10, 17, 18, 21, 22});
  // Whole trailing dimensions are copied as one run.
  NodeInfo tail = make_node(slice({2, 3, 4}, {1, 0, 0}, {1, -1, -1}), DType::kFloat64);
  std::vector<double> second_half(12);
  for (int i = 0; i < 12; ++i) second_half[i] = 12 + i;
  CHECK(values(run_reference(tail, {iota({2, 3, 4})})[0]) == second_half);
}

TEST_CASE("Slice: a 4-d box against index arithmetic") {
  NodeInfo node = make_node(slice({3, 4, 5, 6}, {1, 0, 2, 1}, {2, -1, 3, 4}), DType::kFloat64);
  REQUIRE(node.outputs[0].shape == Shape{2, 4, 3, 4});
  std::vector<double> want;
  for (int n = 1; n < 3; ++n)
    for (int c = 0; c < 4; ++c)
      for (int h = 2; h < 5; ++h)
        for (int w = 1; w < 5; ++w) want.push_back(((n * 4 + c) * 5 + h) * 6 + w);
  CHECK(values(run_reference(node, {iota({3, 4, 5, 6})})[0]) == want);
}

TEST_CASE("Slice: errors") {
  CHECK(contains(build_error(slice({2, 3, 4}, {0, 0}, {1, 1, 1})),
                 "Slice 'node': attr 'begin' = [0,0] has 2 values, input 0 has rank 3"));
  CHECK(contains(build_error(slice({2, 3, 4}, {0, 3, 0}, {1, 1, 1})),
                 "begin[1] = 3 is out of range for dimension 1 of size 3"));
  CHECK(contains(build_error(slice({2, 3, 4}, {0, 1, 0}, {1, 3, 1})),
                 "begin[1] + size[1] = 4 exceeds dimension 1 of size 3"));
  CHECK(contains(build_error(slice({2, 3, 4}, {0, 0, 0}, {1, 1, 0})), "size[2] = 0 must be positive or -1"));
  CHECK(contains(build_error(slice({2, 3, 4}, {0, -1, 0}, {1, 1, 1})), "attr 'begin' = [0,-1,0] must be >= 0"));
  CHECK(contains(build_error(OpCase{.op = "Slice", .attrs = {{"begin", attr_ints({0})}}, .input_shapes = {Shape{2}}}),
                 "missing required attr 'size'"));
}

TEST_CASE("Split: shapes, outputs and errors") {
  NodeInfo node = make_node(split({2, 256, 3}, 1, 4), DType::kFloat32);
  REQUIRE(node.outputs.size() == 4);
  for (const auto& out : node.outputs) CHECK(out.shape == Shape{2, 64, 3});
  OpCase defaults{.op = "Split", .input_shapes = {Shape{2, 6}}};
  CHECK(make_node(defaults, DType::kFloat32).outputs.size() == 2);

  CHECK(contains(build_error(split({2, 256}, 1, 3)),
                 "Split 'node': attr 'num_split' = 3 does not divide dimension 1 of size 256"));
  CHECK(contains(build_error(split({2, 256}, 1, 0)), "attr 'num_split' = 0 must be positive"));
  CHECK(contains(build_error(split({2, 256}, 2, 2)), "attr 'axis' = 2 is out of range"));

  // Consumers read the parts as "<node>:k".
  auto graph_reading = [](const std::string& tensor) {
    return parse_graph_text(R"(
      node { name: "x" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 6, 4] } } }
      node { name: "s" op: "Split" input: "x" attr { name: "num_split" i: 3 } }
      node { name: "y" op: "Identity" input: ")" +
                            tensor + "\" }");
  };
  Graph g = build_graph(graph_reading("s:2"), BuildOptions{.batch_size = 5});
  CHECK(g.node("y").outputs[0].shape == Shape{5, 2, 4});
  std::string error;
  try {
    build_graph(graph_reading("s:3"));
  } catch (const Error& e) {
    error = e.what();
  }
  CHECK(contains(error, "Identity 'y': input 's:3' asks for output 3 of 's', which has 3 output(s)"));
}

TEST_CASE("Split: reference values") {
  std::vector<Tensor> cols = run_reference(make_node(split({2, 4}, 1, 2), DType::kFloat64), {iota({2, 4})});
  CHECK(values(cols[0]) == std::vector<double>{0, 1, 4, 5});
  CHECK(values(cols[1]) == std::vector<double>{2, 3, 6, 7});
  std::vector<Tensor> rows = run_reference(make_node(split({2, 4}, -2, 2), DType::kFloat64), {iota({2, 4})});
  CHECK(values(rows[1]) == std::vector<double>{4, 5, 6, 7});
  std::vector<Tensor> planes = run_reference(make_node(split({2, 3, 2}, 1, 3), DType::kFloat64), {iota({2, 3, 2})});
  CHECK(values(planes[1]) == std::vector<double>{2, 3, 8, 9});
}

TEST_CASE("Slice and Split: gradients against central differences") {
  CHECK(check_gradients(slice({3, 4, 5}, {1, 1, 2}, {2, -1, 2})) == 1);
  CHECK(check_gradients(slice({2, 6}, {0, 2}, {-1, 3})) == 1);
  CHECK(check_gradients(split({2, 6, 2}, 1, 3)) == 1);
  CHECK(check_gradients(split({4, 3}, 0, 2)) == 1);
}

TEST_CASE("SliceGrad: dy placed in zeros of x's shape; errors") {
  OpCase c{.op = "SliceGrad",
           .attrs = {{"begin", attr_ints({0, 1, 1})}, {"size", attr_ints({-1, 2, 2})}},
           .input_shapes = {Shape{2, 3, 4}, Shape{2, 2, 2}}};
  NodeInfo node = make_node(c, DType::kFloat64);
  CHECK(node.outputs[0].shape == Shape{2, 3, 4});
  Tensor dy = iota({2, 2, 2});
  for (int64_t i = 0; i < 8; ++i) dy.data<double>()[i] += 1;  // 1 .. 8, so zeros stand out
  std::vector<double> want(24, 0.0);
  // The box of "Slice: shapes and reference values": elements 5, 6, 9, 10, 17, 18, 21, 22.
  int at[] = {5, 6, 9, 10, 17, 18, 21, 22};
  for (int i = 0; i < 8; ++i) want[at[i]] = i + 1;
  CHECK(values(run_reference(node, {iota({2, 3, 4}), dy})[0]) == want);

  OpCase bad = c;
  bad.input_shapes[1] = Shape{2, 2, 3};
  CHECK(
      contains(build_error(bad),
               "SliceGrad 'node': input 1 (dy) has shape [2,2,3], expected the slice's shape [2,2,2] (input 0 (x) has "
               "shape [2,3,4])"));
}

TEST_CASE("Split: gradient with a part nothing flows into gets zeros there") {
  Graph g = build_graph(parse_graph_text(R"(
    node { name: "x" op: "Placeholder" attr { name: "shape" shape { dim: [2, 4] } } }
    node { name: "dy0" op: "Placeholder" attr { name: "shape" shape { dim: [2, 2] } } }
    node { name: "s" op: "Split" input: "x" attr { name: "num_split" i: 2 } })"));
  proto::Graph out = to_proto(g);
  std::vector<std::string> grads = add_node_gradients(g, "s", {"dy0", ""}, out);
  VariableStore variables;
  Executor executor(build_graph(out), variables);
  Tensor x = Tensor::zeros(DType::kFloat32, Shape{2, 4});
  Tensor dy0(DType::kFloat32, Shape{2, 2});
  for (int i = 0; i < 4; ++i) dy0.data<float>()[i] = static_cast<float>(i + 1);
  Tensor dx = executor.run({{"x", x}, {"dy0", dy0}}, {grads[0]})[0];
  REQUIRE(dx.shape() == Shape{2, 4});
  std::vector<float> want{1, 2, 0, 0, 3, 4, 0, 0};
  for (int i = 0; i < 8; ++i) CHECK(dx.data<float>()[i] == want[i]);
}

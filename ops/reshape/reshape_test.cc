#include <doctest/doctest.h>

#include "core/gradient.h"
#include "core/graph_io.h"
#include "tests/harness/op_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

namespace {

OpCase reshape(Shape x, Shape target) {
  return OpCase{.op = "Reshape", .attrs = {{"shape", attr_shape(target)}}, .input_shapes = {x}};
}

OpCase flatten(Shape x, int64_t axis) {
  return OpCase{.op = "Flatten", .attrs = {{"axis", attr_int(axis)}}, .input_shapes = {x}};
}

Shape out_shape(const OpCase& c) { return make_node(c, DType::kFloat32).outputs[0].shape; }

// Runs the node's selected kernel and checks the output shares the input's buffer.
void check_aliases(const OpCase& c, DType dtype) {
  NodeInfo node = make_node(c, dtype);
  Tensor x = Tensor::zeros(dtype, c.input_shapes[0]);
  Tensor y = run_kernel(KernelRegistry::global().select(node), node, {x})[0];
  CHECK(y.raw() == x.raw());
  CHECK(y.shape() == node.outputs[0].shape);
}

}  // namespace

TEST_CASE("Reshape: shapes, -1 inferred, batch absorbed") {
  CHECK(out_shape(reshape({2, 3, 4}, {4, -1})) == Shape{4, 6});
  CHECK(out_shape(reshape({2, 3, 4}, {6, 4})) == Shape{6, 4});
  CHECK(out_shape(reshape({2, 3, 4}, {-1})) == Shape{24});
  CHECK(out_shape(reshape({2, 3, 4}, {1, 24, 1})) == Shape{1, 24, 1});

  Graph g = build_graph(parse_graph_text(R"(
    node { name: "x" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 2, 3] } } }
    node { name: "r" op: "Reshape" input: "x" attr { name: "shape" shape { dim: [-1, 6] } } })"),
                        BuildOptions{.batch_size = 4});
  CHECK(g.node("r").outputs[0].shape == Shape{4, 6});
  g.rebind_batch(16);
  CHECK(g.node("r").outputs[0].shape == Shape{16, 6});
}

TEST_CASE("Reshape: errors") {
  CHECK(contains(build_error(reshape({2, 3, 4}, {5, 5})),
                 "Reshape 'node': cannot reshape [2,3,4] (24 elements) to [5,5] (25 elements)"));
  CHECK(contains(build_error(reshape({2, 3, 4}, {5, -1})), "cannot reshape [2,3,4] (24 elements) to [5,-1]"));
  CHECK(contains(build_error(reshape({2, 3, 4}, {-1, -1})), "attr 'shape' = [-1,-1] has more than one -1"));
  CHECK(contains(build_error(reshape({2, 3, 4}, {24, 0})), "attr 'shape' = [24,0]: dimension 1 is 0"));
  CHECK(contains(build_error(reshape({2, 3, 4}, {-2, 12})), "dimension 0 is -2"));
  CHECK(contains(build_error(OpCase{.op = "Reshape", .input_shapes = {Shape{2}}}), "missing required attr 'shape'"));
}

TEST_CASE("Flatten: shapes and errors") {
  CHECK(out_shape(OpCase{.op = "Flatten", .input_shapes = {Shape{16, 256, 6, 6}}}) == Shape{16, 9216});
  CHECK(out_shape(flatten({2, 3, 4, 5}, 2)) == Shape{2, 3, 20});
  CHECK(out_shape(flatten({2, 3, 4, 5}, 0)) == Shape{120});
  CHECK(out_shape(flatten({2, 3, 4, 5}, -1)) == Shape{2, 3, 4, 5});
  CHECK(out_shape(flatten({2, 3, 4, 5}, -3)) == Shape{2, 60});
  CHECK(contains(build_error(flatten({2, 3, 4, 5}, 4)),
                 "Flatten 'node': attr 'axis' = 4 is out of range for input 0 of rank 4 (valid: -4..3)"));
}

TEST_CASE("Reshape and Flatten: kernels alias the input") {
  for (DType dtype : {DType::kFloat32, DType::kFloat64, DType::kInt32, DType::kInt64}) {
    check_aliases(reshape({2, 3, 4}, {4, -1}), dtype);
    check_aliases(flatten({2, 3, 4, 5}, 1), dtype);
  }
}

TEST_CASE("Reshape and Flatten: gradients against central differences") {
  CHECK(check_gradients(reshape({2, 3, 4}, {4, -1})) == 1);
  CHECK(check_gradients(flatten({2, 3, 2, 2}, 1)) == 1);
  CHECK(check_gradients(flatten({2, 3, 2}, 0)) == 1);
}

TEST_CASE("ReshapeLike: like's shape, no copy, errors; the gradient bakes no batch size") {
  OpCase c{.op = "ReshapeLike", .input_shapes = {Shape{2, 12}, Shape{2, 3, 4}}};
  CHECK(out_shape(c) == Shape{2, 3, 4});
  NodeInfo node = make_node(c, DType::kFloat32);
  Tensor dy = Tensor::zeros(DType::kFloat32, Shape{2, 12});
  Tensor like = Tensor::zeros(DType::kFloat32, Shape{2, 3, 4});
  Tensor y = run_kernel(KernelRegistry::global().select(node), node, {dy, like})[0];
  CHECK(y.raw() == dy.raw());
  CHECK(y.shape() == Shape{2, 3, 4});
  CHECK(contains(build_error(OpCase{.op = "ReshapeLike", .input_shapes = {Shape{2, 12}, Shape{2, 3, 5}}}),
                 "ReshapeLike 'node': input 0 (tensor) has shape [2,12] (24 elements), input 1 (like) has shape "
                 "[2,3,5] (30 elements)"));
  CHECK(check_gradients(c) == 1);  // like takes no gradient

  // Flatten's gradient in a graph compiled at batch 4 is a ReshapeLike with no attrs: nothing
  // in it depends on the batch size.
  Graph g = build_graph(parse_graph_text(R"(
    node { name: "x" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 3, 2] } } }
    node { name: "f" op: "Flatten" input: "x" })"),
                        BuildOptions{.batch_size = 4});
  proto::Graph out = to_proto(g);
  add_node_gradients(g, "f", {"dy"}, out);
  const proto::Node& grad = out.node(out.node_size() - 1);
  CHECK(grad.op() == "ReshapeLike");
  CHECK(grad.attr_size() == 0);
  CHECK(grad.input(1) == "x");
}

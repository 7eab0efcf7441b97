#include <doctest/doctest.h>

#include "core/graph_io.h"
#include "runtime/exec/executor.h"
#include "tests/harness/op_harness.h"

using namespace graphrun;

TEST_CASE("Placeholder: -1 takes the batch size; other dims must be positive") {
  BuildOptions options;
  options.batch_size = 7;
  Graph g = build_graph(parse_graph_text(R"(node { name: "x" op: "Placeholder"
      attr { name: "shape" shape { dim: [-1, 3, 5] } } attr { name: "dtype" dtype: DT_DOUBLE } })"),
                        options);
  CHECK(g.node("x").outputs[0].shape == Shape{7, 3, 5});
  CHECK(g.node("x").outputs[0].dtype == DType::kFloat64);
  CHECK_THROWS_WITH(build_graph(parse_graph_text(
                        R"(node { name: "x" op: "Placeholder" attr { name: "shape" shape { dim: [2, -1] } } })")),
                    "Placeholder 'x': attr 'shape' = [2,-1]: dimension 1 must be positive");
}

TEST_CASE("Placeholder: the kernel hands on the fed tensor without a copy") {
  Graph g = build_graph(parse_graph_text(
      R"(node { name: "x" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 2] } } attr { name: "dtype" dtype: DT_INT64 } })"));
  VariableStore vars;
  Executor ex(std::move(g), vars);
  Tensor labels(DType::kInt64, Shape{1, 2});
  labels.data<int64_t>()[1] = 42;
  CHECK(ex.run({{"x", labels}}, {"x"})[0].data<int64_t>()[1] == 42);
}

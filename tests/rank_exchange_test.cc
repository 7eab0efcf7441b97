// The gradient exchange across ranks as graph nodes (runtime/passes/rank_exchange.h). In one
// process the AllReduce nodes reduce over one rank (a copy), so a step with them equals a step
// without them bit for bit; the multi-rank runs are tests/cli/test_distributed.py's.
#include <doctest/doctest.h>

#include "core/graph_io.h"
#include "runtime/passes/float64.h"
#include "runtime/train/compile_training.h"
#include "tests/harness/training_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

namespace {

CompileOptions with_ranks(int ranks, int64_t bucket_bytes) {
  CompileOptions options;
  options.ranks = {ranks, bucket_bytes};
  return options;
}

}  // namespace

TEST_CASE("rank exchange: buckets by size, last layer first, every gradient reduced once") {
  Graph model = load("alexnet_mini.pbtxt", 8);
  CompiledTraining one_bucket = compile_training(model, {}, with_ranks(2, int64_t{1} << 40));
  CHECK(one_bucket.training.graph.nodes_with_op("AllReduce").size() == 1);
  CompiledTraining per_variable = compile_training(model, {}, with_ranks(2, 1));
  const Graph& g = per_variable.training.graph;
  std::vector<int> buckets = g.nodes_with_op("AllReduce");
  REQUIRE(buckets.size() == 16);  // 8 layers, weights and biases: one each with a 1-byte threshold
  // Bucket 0 holds the last layer's gradient: the backward pass's first.
  const Node& first = g.node("rank_exchange/bucket_0");
  CHECK(first.attrs.i("buckets") == 16);
  CHECK(first.input_names.at(0).find("fc8") != std::string::npos);
  CHECK(compile_training(model, {}, with_ranks(1, 1)).training.graph.nodes_with_op("AllReduce").empty());
}

TEST_CASE("rank exchange: with one rank the AllReduce nodes change nothing, bit for bit") {
  check_same_training(load("alexnet_mini.pbtxt", 8), CompileOptions{}, with_ranks(2, 4096), 0.01, 0.0);
}

TEST_CASE("float64 training: a Cast after the float32 input, every other floating tensor float64") {
  Graph model = load("alexnet_mini.pbtxt", 4);
  Graph wide = to_float64(model);
  const Node& data = wide.node("data");
  CHECK(data.outputs[0].dtype == DType::kFloat32);  // the data pipeline still feeds float32
  const Node& cast = wide.node("data/float64");
  CHECK(cast.op == "Cast");
  CHECK(cast.outputs[0].dtype == DType::kFloat64);
  int float32_tensors = 0;
  for (const Node& node : wide.nodes)
    for (const auto& out : node.outputs) float32_tensors += out.dtype == DType::kFloat32;
  CHECK(float32_tensors == 1);
  CHECK(wide.node("conv1/weight").outputs[0].dtype == DType::kFloat64);
  CHECK(wide.node("conv1").input_names.at(0) == "data/float64");
}

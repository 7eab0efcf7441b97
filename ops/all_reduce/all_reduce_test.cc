#include <doctest/doctest.h>

#include "tests/harness/op_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

TEST_CASE("AllReduce: outputs shaped as the inputs; one dtype per bucket; the bucket below buckets") {
  OpCase c{.op = "AllReduce", .attrs = {{"bucket", attr_int(1)}, {"buckets", attr_int(2)}}, .input_shapes = {Shape{2, 3}, Shape{4}}};
  NodeInfo node = make_node(c, DType::kFloat64);
  REQUIRE(node.outputs.size() == 2);
  CHECK(node.outputs[0].shape == Shape{2, 3});
  CHECK(node.outputs[1].shape == Shape{4});
  CHECK(node.outputs[1].dtype == DType::kFloat64);
  c.attrs = {{"bucket", attr_int(2)}, {"buckets", attr_int(2)}};
  CHECK(contains(build_error(c), "bucket 2 is not below buckets 2"));
}

TEST_CASE("AllReduce: with one rank each output is its input (the mean of one), through the async path") {
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    OpCase c{.op = "AllReduce", .input_shapes = {Shape{2, 3}, Shape{5}}};
    NodeInfo node = make_node(c, dtype);
    const KernelDef& kernel = KernelRegistry::global().select(node);
    std::vector<Tensor> inputs = make_inputs(c, node);
    // run_kernel calls compute(), which for this asynchronous kernel starts it and waits for `done`.
    std::vector<Tensor> out = run_kernel(kernel, node, inputs);
    for (size_t k = 0; k < inputs.size(); ++k) {
      REQUIRE(out[k].num_elements() == inputs[k].num_elements());
      CHECK(out[k].raw() != inputs[k].raw());
      for (int64_t i = 0; i < inputs[k].num_elements(); ++i) CHECK(out[k].value_as_double(i) == inputs[k].value_as_double(i));
    }
  }
}

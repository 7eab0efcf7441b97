#include <doctest/doctest.h>

#include "tests/harness/op_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

TEST_CASE("DeviceAllReduce: a group of one is its input, through the async path") {
  OpCase c{.op = "DeviceAllReduce", .attrs = {{"group", attr_string("g")}}, .input_shapes = {Shape{2, 3}}};
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    NodeInfo node = make_node(c, dtype);
    REQUIRE(node.outputs[0].shape == Shape{2, 3});
    std::vector<Tensor> inputs = make_inputs(c, node);
    std::vector<Tensor> out = run_kernel(KernelRegistry::global().select(node), node, inputs);
    for (int64_t i = 0; i < inputs[0].num_elements(); ++i) CHECK(out[0].value_as_double(i) == inputs[0].value_as_double(i));
  }
  c.attrs = {};
  CHECK(contains(build_error(c), "attr 'group' is empty"));
}

TEST_CASE("DeviceAllReduce: a failed run fails its waiting nodes and later ones; a lone node of a larger group is an error") {
  OpCase c{.op = "DeviceAllReduce",
           .attrs = {{"group", attr_string("g")}, {"replica", attr_int(0)}, {"replicas", attr_int(2)}},
           .input_shapes = {Shape{3}}};
  NodeInfo node = make_node(c, DType::kFloat32);
  const KernelDef& def = KernelRegistry::global().select(node);
  std::vector<Tensor> inputs = make_inputs(c, node);
  CHECK_THROWS_WITH(run_kernel(def, node, inputs),
                    doctest::Contains("runs only in a step of the whole graph, where its 2 nodes meet"));
  // Replica 0 waits for replica 1; the run fails elsewhere and cancels it; replica 1 then comes late.
  std::unique_ptr<OpKernel> first = def.create(node), second = def.create(node);
  RunState run;
  run.step = 7;
  std::vector<Tensor> outputs(1);
  std::vector<std::string> errors;
  auto record = [&errors](std::exception_ptr e) {
    try {
      if (e) std::rethrow_exception(e);
      errors.push_back("none");
    } catch (const std::exception& x) {
      errors.push_back(x.what());
    }
  };
  KernelContext ctx(node, get_device(node.device), {&inputs[0]}, outputs, run);
  REQUIRE(first->asynchronous());
  first->compute_async(ctx, record);
  CHECK(errors.empty());  // waiting for replica 1
  first->cancel(run, "node 'conv1' failed");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] == "node 'conv1' failed");
  second->compute_async(ctx, record);
  REQUIRE(errors.size() == 2);
  CHECK(errors[1] == "node 'conv1' failed");
  c.attrs = {{"group", attr_string("g")}, {"replica", attr_int(2)}, {"replicas", attr_int(2)}};
  CHECK(contains(build_error(c), "replica 2 is not below replicas 2"));
}

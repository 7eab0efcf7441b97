#include <doctest/doctest.h>

#include <cmath>

#include "ops/dropout/dropout_mask.h"
#include "tests/harness/op_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

namespace {

OpCase dropout_case(double rate, Shape shape) {
  return OpCase{.op = "Dropout", .attrs = {{"rate", attr_float(rate)}}, .input_shapes = {std::move(shape)}};
}

Tensor ones(DType dtype, Shape shape) {
  Tensor t(dtype, std::move(shape));
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    if (dtype == DType::kFloat32)
      t.data<float>()[i] = 1.f;
    else
      t.data<double>()[i] = 1.0;
  }
  return t;
}

const KernelDef& reference(const NodeInfo& node) { return KernelRegistry::global().select(node, "reference"); }

}  // namespace

TEST_CASE("Dropout: inference passes x through without a copy") {
  OpCase c = dropout_case(0.5, Shape{4, 8});
  NodeInfo node = make_node(c, DType::kFloat32);
  CHECK(node.outputs[0].shape == Shape{4, 8});
  std::vector<Tensor> x = make_inputs(c, node);
  Tensor y = run_kernel(reference(node), node, x, /*training=*/false, 7, 3)[0];
  CHECK(y.raw() == x[0].raw());
  CHECK(compare(y, x[0], 0, 0).empty());
}

TEST_CASE("Dropout: training drops about `rate`, scales survivors, mask keyed by (seed, step, node)") {
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    const double rate = 0.3;
    NodeInfo node = make_node(dropout_case(rate, Shape{100, 1000}), dtype);
    Tensor x = ones(dtype, Shape{100, 1000});
    Tensor y = run_kernel(reference(node), node, {x}, true, 42, 5)[0];
    int64_t dropped = 0;
    bool scaled = true, matches_mask = true;
    uint64_t key = dropout::mask_key(42, 5, "node");
    for (int64_t i = 0; i < y.num_elements(); ++i) {
      double v = y.value_as_double(i);
      if (v == 0)
        ++dropped;
      else
        scaled = scaled && std::abs(v - 1 / (1 - rate)) < 1e-6;
      matches_mask = matches_mask && ((v != 0) == dropout::keep(key, i, rate));
    }
    CHECK(std::abs(static_cast<double>(dropped) / 100000 - rate) < 0.01);  // ~7 standard deviations
    CHECK(scaled);
    CHECK(matches_mask);  // DropoutGrad regenerates this mask from dropout_mask.h

    Tensor same = run_kernel(reference(node), node, {x}, true, 42, 5)[0];
    CHECK(compare(same, y, 0, 0).empty());
    Tensor next_step = run_kernel(reference(node), node, {x}, true, 42, 6)[0];
    Tensor other_seed = run_kernel(reference(node), node, {x}, true, 43, 5)[0];
    int64_t step_diff = 0, seed_diff = 0;
    for (int64_t i = 0; i < y.num_elements(); ++i) {
      step_diff += (next_step.value_as_double(i) == 0) != (y.value_as_double(i) == 0);
      seed_diff += (other_seed.value_as_double(i) == 0) != (y.value_as_double(i) == 0);
    }
    // Independent masks disagree on 2 * rate * (1 - rate) = 42% of the elements.
    CHECK(std::abs(static_cast<double>(step_diff) / 100000 - 0.42) < 0.02);
    CHECK(std::abs(static_cast<double>(seed_diff) / 100000 - 0.42) < 0.02);
  }
}

TEST_CASE("Dropout: rate 0 in training keeps everything; rate out of range is refused") {
  OpCase c = dropout_case(0.0, Shape{1000});
  NodeInfo node = make_node(c, DType::kFloat64);
  std::vector<Tensor> x = make_inputs(c, node);
  CHECK(compare(run_kernel(reference(node), node, x, true, 1, 1)[0], x[0], 0, 0).empty());
  CHECK(build_error(dropout_case(1.0, Shape{3})).find("attr 'rate' = 1 must be in [0, 0.999999]") != std::string::npos);
  CHECK(build_error(dropout_case(-0.1, Shape{3})).find("attr 'rate' = -0.1 must be in") != std::string::npos);
  OpCase ints{.op = "Dropout", .input_shapes = {Shape{3}}, .input_dtypes = {DType::kInt32}};
  CHECK(build_error(ints).find("input 0 must be float32 or float64") != std::string::npos);
}

TEST_CASE("Dropout: a training run after an inference run does not write into the input") {
  // The executor keeps each node's outputs across runs, so the inference alias is still there.
  OpCase c = dropout_case(0.5, Shape{64});
  NodeInfo node = make_node(c, DType::kFloat32);
  std::vector<Tensor> x = make_inputs(c, node);
  Tensor before = x[0].clone();
  std::unique_ptr<OpKernel> kernel = reference(node).create(node);
  std::vector<Tensor> outputs(1);
  RunState run;
  run.seed = 3;
  for (bool training : {false, true, false, true}) {
    run.training = training;
    run.step += 1;
    KernelContext ctx(node, get_device(node.device), {&x[0]}, outputs, run);
    kernel->compute(ctx);
    CHECK((outputs[0].raw() == x[0].raw()) == !training);
    CHECK(compare(x[0], before, 0, 0).empty());
  }
}

TEST_CASE("Dropout: gradient against central differences, in training (fixed mask) and at inference") {
  OpCase c = dropout_case(0.4, Shape{4, 6});
  c.training = true;
  CHECK(check_gradients(c) == 1);
  c.training = false;
  CHECK(check_gradients(c) == 1);
}

TEST_CASE("DropoutGrad: regenerates the forward node's mask; passes dy through at inference") {
  const double rate = 0.5;
  OpCase fwd = dropout_case(rate, Shape{200});
  OpCase bwd{.op = "DropoutGrad",
             .attrs = {{"forward_node", attr_string("node")}, {"rate", attr_float(rate)}},
             .input_shapes = {Shape{200}}};
  NodeInfo f = make_node(fwd, DType::kFloat64);
  NodeInfo b = make_node(bwd, DType::kFloat64);
  CHECK(b.outputs[0].shape == Shape{200});
  std::vector<Tensor> x = make_inputs(fwd, f);
  Tensor y = run_kernel(reference(f), f, x, true, 9, 4)[0];
  Tensor dx = run_kernel(reference(b), b, x, true, 9, 4)[0];
  CHECK(compare(dx, y, 0, 0).empty());  // same elements kept, same 1/(1-rate) scale

  // Another forward node's name gives another mask.
  OpCase other = bwd;
  other.attrs[0].second = attr_string("other_dropout");
  NodeInfo o = make_node(other, DType::kFloat64);
  CHECK(!compare(run_kernel(reference(o), o, x, true, 9, 4)[0], y, 0, 0).empty());

  Tensor passed = run_kernel(reference(b), b, x, false, 9, 4)[0];
  CHECK(passed.raw() == x[0].raw());

  OpCase missing{.op = "DropoutGrad", .input_shapes = {Shape{3}}};
  CHECK(build_error(missing).find("missing required attr 'forward_node'") != std::string::npos);
}

TEST_CASE("Dropout: the shards of a split Dropout drop exactly the elements the whole one drops") {
  const double rate = 0.5;
  NodeInfo whole = make_node(dropout_case(rate, Shape{4, 6, 5}), DType::kFloat32);
  Tensor y = run_kernel(reference(whole), whole, {ones(DType::kFloat32, Shape{4, 6, 5})}, true, 42, 3)[0];
  for (int part = 0; part < 2; ++part) {
    OpCase shard = dropout_case(rate, Shape{4, 3, 5});
    shard.attrs.push_back({"mask_name", attr_string("node")});
    shard.attrs.push_back({"mask_slice", attr_ints({1, 3 * part, 6})});
    NodeInfo node = make_node(shard, DType::kFloat32);
    node.name = "node/part_" + std::to_string(part);
    Tensor got = run_kernel(reference(node), node, {ones(DType::kFloat32, Shape{4, 3, 5})}, true, 42, 3)[0];
    int64_t mismatches = 0;
    for (int64_t n = 0; n < 4; ++n)
      for (int64_t c = 0; c < 3; ++c)
        for (int64_t w = 0; w < 5; ++w)
          mismatches += got.value_as_double((n * 3 + c) * 5 + w) != y.value_as_double((n * 6 + 3 * part + c) * 5 + w);
    CHECK(mismatches == 0);
    // DropoutGrad of the shard regenerates the shard's mask.
    OpCase grad{.op = "DropoutGrad",
                .attrs = {{"forward_node", attr_string("node")}, {"rate", attr_float(rate)},
                          {"mask_slice", attr_ints({1, 3 * part, 6})}},
                .input_shapes = {Shape{4, 3, 5}}};
    NodeInfo grad_node = make_node(grad, DType::kFloat32);
    Tensor dx = run_kernel(reference(grad_node), grad_node, {ones(DType::kFloat32, Shape{4, 3, 5})}, true, 42, 3)[0];
    CHECK(compare(dx, got, 0, 0).empty());
  }
}

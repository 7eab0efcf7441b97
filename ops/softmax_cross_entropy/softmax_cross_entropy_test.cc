#include <doctest/doctest.h>

#include <cmath>

#include "core/gradient.h"
#include "core/graph_io.h"
#include "core/variable_store.h"
#include "runtime/exec/executor.h"
#include "tests/harness/op_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

namespace {

template <typename L>
Tensor labels_of(DType dtype, std::vector<L> values) {
  Tensor t(dtype, Shape{static_cast<int64_t>(values.size())});
  std::copy(values.begin(), values.end(), t.data<L>());
  return t;
}

OpCase xent_case(int64_t batch, int64_t classes, DType labels = DType::kInt64) {
  OpCase c{.op = "SoftmaxCrossEntropy",
           .input_shapes = {Shape{batch, classes}, Shape{batch}},
           .input_dtypes = {DType::kFloat64, labels}};
  // Logits in (-2, 2); label n is (3n + 1) mod classes.
  c.fill = [classes](int k, Tensor& t) {
    for (int64_t i = 0; i < t.num_elements(); ++i) {
      if (k == 0) t.data<double>()[i] = 2 * std::sin(1.7 * static_cast<double>(i) + 0.3);
      if (k == 1 && t.dtype() == DType::kInt64) t.data<int64_t>()[i] = (3 * i + 1) % classes;
      if (k == 1 && t.dtype() == DType::kInt32) t.data<int32_t>()[i] = static_cast<int32_t>((3 * i + 1) % classes);
    }
  };
  return c;
}

// logits [-1, 4] -> Dense(3) -> SoftmaxCrossEntropy with int64 labels.
constexpr const char* kClassifier = R"(
  node { name: "x" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 4] } } }
  node { name: "labels" op: "Placeholder" attr { name: "shape" shape { dim: [-1] } }
    attr { name: "dtype" dtype: DT_INT64 } }
  node { name: "fc" op: "Dense" input: "x" attr { name: "units" i: 3 } }
  node { name: "loss" op: "SoftmaxCrossEntropy" input: ["fc", "labels"] })";

}  // namespace

TEST_CASE("SoftmaxCrossEntropy: shapes and errors") {
  NodeInfo node = make_node(xent_case(4, 5), DType::kFloat64);
  CHECK(node.outputs[0].shape.rank() == 0);
  CHECK(node.outputs[1].shape == Shape{4, 5});

  OpCase float_labels = xent_case(4, 5);
  float_labels.input_dtypes = {DType::kFloat32, DType::kFloat32};
  CHECK(contains(build_error(float_labels),
                 "SoftmaxCrossEntropy 'node': input 1 (labels) must be int64 or int32 class indices, got float32"));
  OpCase wrong_batch{.op = "SoftmaxCrossEntropy",
                     .input_shapes = {Shape{4, 5}, Shape{3}},
                     .input_dtypes = {DType::kFloat32, DType::kInt64}};
  CHECK(contains(build_error(wrong_batch), "input 1 (labels) has shape [3], expected [batch] = [4]"));
  OpCase rank3{.op = "SoftmaxCrossEntropy",
               .input_shapes = {Shape{4, 5, 1}, Shape{4}},
               .input_dtypes = {DType::kFloat32, DType::kInt64}};
  CHECK(contains(build_error(rank3), "input 0 (logits) must have rank 2 [batch, classes], got shape [4,5,1]"));
  OpCase grad{.op = "SoftmaxCrossEntropyGrad",
              .input_shapes = {Shape{4, 5}, Shape{4}, Shape{2}},
              .input_dtypes = {DType::kFloat32, DType::kInt32, DType::kFloat32}};
  CHECK(contains(build_error(grad), "SoftmaxCrossEntropyGrad 'node': input 2 (dloss) must be a scalar, got shape [2]"));
}

TEST_CASE("SoftmaxCrossEntropy: loss by hand, stable for large logits, int32 labels") {
  NodeInfo node = make_node(xent_case(3, 3), DType::kFloat64);
  // Row 0: uniform, label 1: -log(1/3). Row 1: [log 3, 0, 0] -> p = [0.6, 0.2, 0.2], label 0:
  // -log 0.6. Row 2: [1000, 1001, 1002], label 2: -log 0.66524... (exp(1002) overflows).
  Tensor logits = tensor_of({3, 3}, {0, 0, 0, std::log(3.0), 0, 0, 1000, 1001, 1002});
  double want = (std::log(3.0) - std::log(0.6) - std::log(0.6652409557748219)) / 3;
  auto out = run_reference(node, {logits, labels_of<int64_t>(DType::kInt64, {1, 0, 2})});
  CHECK(out[0].values<double>()[0] == doctest::Approx(want).epsilon(1e-12));
  CHECK(out[1].values<double>()[3] == doctest::Approx(0.6).epsilon(1e-12));
  CHECK(out[1].values<double>()[8] == doctest::Approx(0.6652409557748219).epsilon(1e-12));

  NodeInfo node32 = make_node(xent_case(3, 3, DType::kInt32), DType::kFloat64);
  auto out32 = run_reference(node32, {logits, labels_of<int32_t>(DType::kInt32, {1, 0, 2})});
  CHECK(out32[0].values<double>()[0] == out[0].values<double>()[0]);
}

TEST_CASE("SoftmaxCrossEntropy: loss against log-softmax, probabilities against Softmax") {
  OpCase c = xent_case(6, 7);
  NodeInfo node = make_node(c, DType::kFloat64);
  std::vector<Tensor> in = make_inputs(c, node);
  auto out = run_reference(node, in);
  NodeInfo softmax = make_node(OpCase{.op = "Softmax", .input_shapes = {Shape{6, 7}}}, DType::kFloat64);
  Tensor p = run_reference(softmax, {in[0]})[0];
  CHECK(compare(out[1], p, 1e-12, 1e-15).empty());
  double sum = 0;
  for (int64_t n = 0; n < 6; ++n) sum -= std::log(p.values<double>()[n * 7 + in[1].data<int64_t>()[n]]);
  CHECK(out[0].values<double>()[0] == doctest::Approx(sum / 6).epsilon(1e-12));

  // float32 agrees with float64.
  OpCase f = c;
  f.input_dtypes = {DType::kFloat32, DType::kInt64};
  NodeInfo node32 = make_node(f, DType::kFloat32);
  Tensor logits32(DType::kFloat32, Shape{6, 7});
  for (int64_t i = 0; i < 42; ++i) logits32.data<float>()[i] = static_cast<float>(in[0].data<double>()[i]);
  CHECK(run_reference(node32, {logits32, in[1]})[0].values<float>()[0] == doctest::Approx(sum / 6).epsilon(1e-6));
}

TEST_CASE("SoftmaxCrossEntropy: gradient against central differences (labels take none)") {
  CHECK(check_gradients(xent_case(3, 4)) == 1);
  CHECK(check_gradients(xent_case(2, 5, DType::kInt32)) == 1);
}

TEST_CASE("SoftmaxCrossEntropyGrad: (softmax - onehot) * dloss / N by hand") {
  OpCase c{.op = "SoftmaxCrossEntropyGrad",
           .input_shapes = {Shape{2, 3}, Shape{2}, Shape{}},
           .input_dtypes = {DType::kFloat64, DType::kInt64, DType::kFloat64}};
  NodeInfo node = make_node(c, DType::kFloat64);
  CHECK(node.outputs[0].shape == Shape{2, 3});
  Tensor logits = tensor_of({2, 3}, {std::log(3.0), 0, 0, 0, 0, 0});
  Tensor dloss(DType::kFloat64, Shape{});
  dloss.data<double>()[0] = 4;
  Tensor dx = run_reference(node, {logits, labels_of<int64_t>(DType::kInt64, {0, 2}), dloss})[0];
  // Row 0: p = [0.6, 0.2, 0.2], label 0; row 1: p = 1/3 each, label 2; times 4 / 2.
  std::vector<double> want{-0.8, 0.4, 0.4, 2.0 / 3, 2.0 / 3, -4.0 / 3};
  for (int i = 0; i < 6; ++i) CHECK(dx.values<double>()[i] == doctest::Approx(want[i]).epsilon(1e-12));
}

TEST_CASE("SoftmaxCrossEntropy: an out-of-range label names the node, the sample and the label") {
  VariableStore variables;
  Executor executor(build_graph(parse_graph_text(kClassifier), BuildOptions{.batch_size = 3}), variables);
  Tensor x = Tensor::zeros(DType::kFloat32, Shape{3, 4});
  for (int64_t bad : {3, -1}) {
    std::string error;
    try {
      executor.run({{"x", x}, {"labels", labels_of<int64_t>(DType::kInt64, {0, bad, 1})}}, {"loss"});
    } catch (const Error& e) {
      error = e.what();
    }
    INFO(error);
    CHECK(contains(error, "SoftmaxCrossEntropy 'loss'"));
    CHECK(contains(error, fmt::format("sample 1 has label {}, outside the 3 classes [0, 3)", bad)));
  }
}

TEST_CASE("SoftmaxCrossEntropy: Dense + loss gradients rebind to another batch size") {
  Graph forward = build_graph(parse_graph_text(kClassifier), BuildOptions{.batch_size = 4});
  Gradients grads = add_gradients(forward, "loss", {"fc/weight", "fc/bias", "x"});
  VariableStore variables;
  Executor executor(build_graph(grads.graph, BuildOptions{.batch_size = 4}), variables);
  for (int64_t batch : {4, 2}) {
    INFO("batch ", batch);
    Tensor x(DType::kFloat32, Shape{batch, 4});
    for (int64_t i = 0; i < x.num_elements(); ++i) x.data<float>()[i] = static_cast<float>(std::cos(0.9 * i));
    std::vector<int64_t> labels;
    for (int64_t n = 0; n < batch; ++n) labels.push_back(n % 3);
    auto out = executor.run({{"x", x}, {"labels", labels_of<int64_t>(DType::kInt64, labels)}},
                            {"loss:1", grads.of["fc/bias"], grads.of["fc/weight"], grads.of["x"]}, true, 1);
    const Tensor& p = out[0];
    REQUIRE(p.shape() == Shape{batch, 3});
    CHECK(out[2].shape() == Shape{3, 4});
    CHECK(out[3].shape() == Shape{batch, 4});
    // dbias = mean over the batch of (p - onehot), dW = (p - onehot)^T x / N.
    for (int64_t c = 0; c < 3; ++c) {
      double db = 0, dw0 = 0;
      for (int64_t n = 0; n < batch; ++n) {
        double g = p.data<float>()[n * 3 + c] - (labels[n] == c ? 1.0 : 0.0);
        db += g / static_cast<double>(batch);
        dw0 += g * x.data<float>()[n * 4] / static_cast<double>(batch);
      }
      CHECK(out[1].data<float>()[c] == doctest::Approx(db).epsilon(1e-5));
      CHECK(out[2].data<float>()[c * 4] == doctest::Approx(dw0).epsilon(1e-5));
    }
  }
}

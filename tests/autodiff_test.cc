// The autodiff pass and the training graph: fan-out summed with AddN, StopGradient cuts,
// missing gradient functions named, and every update waiting for every gradient.
#include <doctest/doctest.h>

#include "core/gradient.h"
#include "core/graph_io.h"
#include "runtime/exec/executor.h"
#include "runtime/train/training_graph.h"

using namespace graphrun;

namespace {

Tensor scalar_input(std::vector<double> values) {
  Tensor t(DType::kFloat64, Shape{1, static_cast<int64_t>(values.size())});
  std::copy(values.begin(), values.end(), t.data<double>());
  return t;
}

const char* kFanOut = R"(
  node { name: "x" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 3] } } attr { name: "dtype" dtype: DT_DOUBLE } }
  node { name: "w" op: "Variable" attr { name: "shape" shape { dim: [1, 3] } } attr { name: "dtype" dtype: DT_DOUBLE } }
  node { name: "a" op: "Add" input: "x" input: "w" }
  node { name: "r" op: "Relu" input: "a" }
  node { name: "s" op: "AddN" input: "r" input: "w" input: "a" }
)";

}  // namespace

TEST_CASE("autodiff: fan-out is summed with AddN") {
  // y = relu(x + w) + w + (x + w): dy/dw = relu'(x + w) + 2 with dy = OnesLike.
  Graph g = build_graph(parse_graph_text(kFanOut));
  proto::Graph out = to_proto(g);
  std::vector<std::string> grads = add_node_gradients(g, "s", {"x"}, out);  // dy = x, any tensor of y's shape
  CHECK(grads.size() == 3);
  Graph with = build_graph(out);
  int addn = 0;
  for (const auto& n : with.nodes) addn += n.op == "AddN";
  CHECK(addn == 1);  // the forward AddN only: add_node_gradients does one node

  // The whole pass on a scalar loss built from s: loss = SoftmaxCrossEntropy is heavier than
  // needed, so sum through Dense with a ones weight instead.
  Graph full = build_graph(parse_graph_text(std::string(kFanOut) + R"(
    node { name: "ones" op: "Variable" attr { name: "shape" shape { dim: [1, 3] } } attr { name: "dtype" dtype: DT_DOUBLE }
           attr { name: "init" init { constant { value: 1 } } } attr { name: "trainable" b: false } }
    node { name: "loss" op: "Dense" input: "s" input: "ones" attr { name: "units" i: 1 } attr { name: "use_bias" b: false } })"));
  Gradients gr = add_gradients(full, "loss", {"w"});
  VariableStore vars;
  Executor ex(build_graph(gr.graph), vars);
  vars.at("w").data<double>()[0] = 1.0, vars.at("w").data<double>()[1] = -5.0, vars.at("w").data<double>()[2] = 0.5;
  Tensor dw = ex.run({{"x", scalar_input({1.0, 1.0, -1.0})}}, {gr.of.at("w")})[0];
  CHECK(dw.data<double>()[0] == 3.0);  // x + w = 2 > 0: 1 + 1 + 1
  CHECK(dw.data<double>()[1] == 2.0);  // x + w = -4 < 0: 0 + 1 + 1
  CHECK(dw.data<double>()[2] == 2.0);  // x + w = -0.5 < 0
}

TEST_CASE("autodiff: StopGradient cuts the path; a missing gradient function is named") {
  const char* text = R"(
    node { name: "x" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 2] } } }
    node { name: "w" op: "Variable" attr { name: "shape" shape { dim: [1, 2] } } }
    node { name: "a" op: "Add" input: "x" input: "w" }
    node { name: "stop" op: "StopGradient" input: "a" }
    node { name: "b" op: "Add" input: "stop" input: "w" }
    node { name: "ones" op: "Variable" attr { name: "shape" shape { dim: [1, 2] } } attr { name: "trainable" b: false } }
    node { name: "loss" op: "Dense" input: "b" input: "ones" attr { name: "units" i: 1 } attr { name: "use_bias" b: false } })";
  Graph g = build_graph(parse_graph_text(text));
  Gradients gr = add_gradients(g, "loss", {"w"});
  Graph with = build_graph(gr.graph);
  // Only the path through b's second input carries a gradient: no AddN for w.
  CHECK(with.find("w/grad/sum") < 0);
  CHECK_THROWS_WITH(add_gradients(g, "b", {"w"}), "the loss 'b' must be a scalar, it has shape [1,2]");

  Graph no_grad = build_graph(parse_graph_text(R"(
    node { name: "x" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 2] } } }
    node { name: "w" op: "Variable" attr { name: "shape" shape { dim: [1, 2] } } }
    node { name: "a" op: "Add" input: "x" input: "w" }
    node { name: "t" op: "TestThrow" input: "a" }
    node { name: "ones" op: "Variable" attr { name: "shape" shape { dim: [1, 2] } } attr { name: "trainable" b: false } }
    node { name: "loss" op: "Dense" input: "t" input: "ones" attr { name: "units" i: 1 } attr { name: "use_bias" b: false } })"));
  CHECK_THROWS_WITH(add_gradients(no_grad, "loss", {"w"}), doctest::Contains("TestThrow 't' has no gradient function"));
}

TEST_CASE("training graph: one update per variable, each waiting for every gradient") {
  Graph model = build_graph(parse_graph_text(R"(
    node { name: "data" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 4] } } }
    node { name: "fc1" op: "Dense" input: "data" attr { name: "units" i: 5 } }
    node { name: "relu" op: "Relu" input: "fc1" }
    node { name: "fc2" op: "Dense" input: "relu" attr { name: "units" i: 3 } }
    node { name: "prob" op: "Softmax" input: "fc2" })"));
  CHECK(find_logits(model) == "fc2");
  TrainingGraph t = build_training_graph(model, {});
  CHECK(std::set<std::string>(t.model_variables.begin(), t.model_variables.end()) ==
        std::set<std::string>{"fc1/bias", "fc1/weight", "fc2/bias", "fc2/weight"});
  CHECK(t.updates.size() == 4);
  const Node& update = t.graph.node("fc1/weight/update");
  CHECK(update.op == "ApplyMomentum");
  std::set<std::string> waits;
  for (int c : update.control_inputs) waits.insert(t.graph.nodes[c].name);
  for (const auto& [var, grad] : t.gradients) CHECK(waits.count(split_tensor_name(grad).first) == 1);
  CHECK(t.graph.node("fc2/weight/momentum").attrs.b("trainable") == false);
}

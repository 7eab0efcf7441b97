#include <doctest/doctest.h>

#include "core/graph_io.h"
#include "runtime/exec/executor.h"

using namespace graphrun;

TEST_CASE("Variable: shape, dtype and initializer checks") {
  auto error = [](const std::string& text) -> std::string {
    try {
      build_graph(parse_graph_text(text));
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  };
  CHECK(error(R"(node { name: "w" op: "Variable" attr { name: "shape" shape { dim: [3, 0] } } })") ==
        "Variable 'w': attr 'shape' = [3,0]: dimension 1 must be positive");
  CHECK(error(R"(node { name: "w" op: "Variable" attr { name: "shape" shape { dim: [3] } }
                 attr { name: "dtype" dtype: DT_INT32 } })") ==
        "Variable 'w': attr 'dtype' must be float32 or float64, got int32");
  CHECK(error(R"(node { name: "w" op: "Variable" attr { name: "shape" shape { dim: [3] } } attr { name: "init" f: 1 } })") ==
        "Variable 'w': attr 'init' expects init, got 1");
}

TEST_CASE("Variable: the kernel hands on the stored value; same seed, same initial value") {
  const char* text = R"(node { name: "w" op: "Variable" attr { name: "shape" shape { dim: [4, 4] } }
                          attr { name: "init" init { uniform { min: -1 max: 1 } } } })";
  VariableStore a, b, c;
  Executor ea(build_graph(parse_graph_text(text)), a, {.seed = 5});
  Executor eb(build_graph(parse_graph_text(text)), b, {.seed = 5});
  Executor ec(build_graph(parse_graph_text(text)), c, {.seed = 6});
  Tensor wa = ea.run({}, {"w"})[0];
  CHECK(wa.data<float>()[3] == eb.run({}, {"w"})[0].data<float>()[3]);
  CHECK(wa.data<float>()[3] != ec.run({}, {"w"})[0].data<float>()[3]);
  CHECK(wa.data<float>()[3] == a.at("w").data<float>()[3]);
  for (float v : wa.values<float>()) CHECK((v >= -1.f && v <= 1.f));
}

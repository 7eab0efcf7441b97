// The graph IR and loader: parsing, validation errors, topological order, implicit parameters,
// batch rebinding.
#include <doctest/doctest.h>

#include "core/graph_io.h"

using namespace graphrun;

namespace {

std::string load_error(const std::string& text) {
  try {
    build_graph(parse_graph_text(text));
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

const char* kInput = R"(node { name: "x" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 4] } } })";

}  // namespace

TEST_CASE("graph: nodes come out in topological order whatever the file order") {
  Graph g = build_graph(parse_graph_text(std::string(R"(
    node { name: "c" op: "Relu" input: "b" }
    node { name: "b" op: "Relu" input: "a" }
    node { name: "a" op: "Relu" input: "x" })") + kInput));
  REQUIRE(g.nodes.size() == 4);
  CHECK(g.index("x") < g.index("a"));
  CHECK(g.index("a") < g.index("b"));
  CHECK(g.index("b") < g.index("c"));
  CHECK(g.node("c").outputs[0].shape == Shape{1, 4});
  CHECK(g.sinks() == std::vector<int>{g.index("c")});
}

TEST_CASE("graph: the batch dimension is bound at build time and can be rebound") {
  BuildOptions options;
  options.batch_size = 8;
  Graph g = build_graph(parse_graph_text(std::string(kInput) + R"(node { name: "r" op: "Relu" input: "x" })"), options);
  CHECK(g.node("r").outputs[0].shape == Shape{8, 4});
  g.rebind_batch(3);
  CHECK(g.node("r").outputs[0].shape == Shape{3, 4});
}

TEST_CASE("graph: errors name the node and the problem") {
  CHECK(load_error(std::string(kInput) + R"(node { name: "r" op: "Relu" input: "y" })") ==
        "Relu 'r': input 'y' names no node (did you mean 'x'?)");
  CHECK(load_error(std::string(kInput) + R"(node { name: "r" op: "Rulu" input: "x" })") ==
        "node 'r': unknown op 'Rulu' (did you mean Relu?)");
  CHECK(load_error(R"(node { name: "a" op: "Relu" input: "b" } node { name: "b" op: "Relu" input: "a" })") ==
        "graph 'graph' has a cycle: a -> b -> a");
  CHECK(load_error(std::string(kInput) + R"(node { name: "r" op: "Relu" input: "x" attr { name: "alpha" f: 1 } })")
            .starts_with("Relu 'r': unknown attr 'alpha'"));
  CHECK(load_error(std::string(kInput) + R"(node { name: "x" op: "Relu" input: "x" })") ==
        "node 'x': duplicate name (nodes #0 and #1)");
  CHECK(load_error(R"(node { name: "x" op: "Placeholder" })") ==
        "Placeholder 'x': missing required attr 'shape' (shape: dimensions; the first may be -1 for the batch size)");
  CHECK(load_error(R"(node { name: "x" op: "Placeholder" attr { name: "shape" i: 3 } })") ==
        "Placeholder 'x': attr 'shape' expects shape, got 3");
}

TEST_CASE("graph: text and binary parse errors name the position or the format") {
  try {
    parse_graph_text("node { name: \"a\"\n  op: Relu }", "g.pbtxt");
    FAIL("parsed bad text");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).starts_with("g.pbtxt:2:"));
  }
}

TEST_CASE("graph: tensor names") {
  CHECK(split_tensor_name("conv1") == std::pair<std::string, int>{"conv1", 0});
  CHECK(split_tensor_name("split:1") == std::pair<std::string, int>{"split", 1});
  CHECK_THROWS_WITH(split_tensor_name("a:"), "bad tensor name 'a:': expected \"node\" or \"node:k\"");
  CHECK_THROWS_WITH(split_tensor_name("a:99999999999"), doctest::Contains("bad tensor name"));
}

TEST_CASE("graph: a scalar int attr is expanded for an ints attr") {
  Graph g = build_graph(parse_graph_text(R"(
    node { name: "x" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 2, 9, 9] } } }
    node { name: "p" op: "MaxPool" input: "x" attr { name: "kernel" i: 3 } })"));
  CHECK(g.node("p").attrs.ints("kernel") == std::vector<int64_t>{3, 3});
  CHECK(g.node("p").outputs[0].shape == Shape{1, 2, 3, 3});
}

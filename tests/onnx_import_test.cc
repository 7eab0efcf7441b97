// The ONNX importer's op table against ONNX's own schema registry, and value initializers.
#include <doctest/doctest.h>
#include <onnx/defs/schema.h>

#include <algorithm>

#include "core/graph_io.h"
#include "core/onnx/onnx_import.h"
#include "core/onnx/onnx_importer.h"
#include "core/variable_store.h"

using namespace graphrun;

TEST_CASE("onnx import: every version opsets 7 to 17 resolve to is one the converter lists") {
  for (const auto& [op, support] : onnx_import::converters()) {
    for (int opset = 7; opset <= 17; ++opset) {
      const onnx::OpSchema* schema = onnx::OpSchemaRegistry::Schema(op, opset, "");
      INFO(op << " at opset " << opset);
      if (!schema) {  // an op newer than this opset (ConstantOfShape came with 9)
        const onnx::OpSchema* first = onnx::OpSchemaRegistry::Schema(op, 17, "");
        REQUIRE(first != nullptr);
        CHECK(first->since_version() > opset);
        continue;
      }
      const auto& v = support.versions;
      CHECK(std::find(v.begin(), v.end(), schema->since_version()) != v.end());
    }
  }
}

namespace {
proto::Graph variable_with_value(const std::string& raw) {
  proto::Graph def = parse_graph_text(R"(
    node { name: "w" op: "Variable" attr { name: "shape" shape { dim: [2, 3] } } })");
  proto::Attr* value = def.mutable_node(0)->add_attr();
  value->set_name("value");
  proto::Tensor& t = *value->mutable_tensor();
  t.set_dtype(proto::DT_FLOAT);
  t.mutable_shape()->add_dim(2);
  t.mutable_shape()->add_dim(3);
  t.set_raw(raw);
  return def;
}
}  // namespace

TEST_CASE("onnx import: a Variable initialized from a value starts with exactly that value") {
  std::vector<float> want{1.5f, -2, 3, 4, 5, 6.25f};
  proto::Graph def = variable_with_value(std::string(reinterpret_cast<const char*>(want.data()), want.size() * 4));
  Graph g = build_graph(def);
  VariableStore vars;
  vars.initialize(g, 7);
  const Tensor& w = vars.at("w");
  for (int i = 0; i < 6; ++i) CHECK(w.data<float>()[i] == want[i]);

  // take_initial_values moves it out, leaving the op's default initializer.
  auto values = take_initial_values(def);
  REQUIRE(values.count("w") == 1);
  CHECK(values.at("w").data<float>()[5] == 6.25f);
  for (const auto& a : def.node(0).attr()) CHECK(a.name() != "value");

  // A value of the wrong size is an error naming the sizes, not a crash.
  Graph bad = build_graph(variable_with_value(std::string(8, '\0')));
  VariableStore vb;
  CHECK_THROWS_WITH_AS(vb.initialize(bad, 7), doctest::Contains("Variable 'w': initializer value has 8 bytes, the variable needs 6 values"), Error);
}

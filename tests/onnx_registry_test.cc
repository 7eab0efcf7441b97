// ONNX converters come from where the op is defined: two ops defined only in this file (with a
// reference kernel and their ONNX declarations: hand-written converters and the declarative
// mapping in a domain of their own) export to ONNX and import back equal, a plugin op does the
// same in its plugin's domain, and a node without a converter keeps the importer's clear error.
#include "core/onnx/onnx_registry.h"

#include <doctest/doctest.h>
#include <onnx/onnx_pb.h>

#include <filesystem>
#include <fstream>

#include "core/graph_io.h"
#include "core/onnx/onnx_export.h"
#include "core/onnx/onnx_import.h"
#include "core/onnx/onnx_mapping.h"
#include "core/plugin_host.h"
#include "core/variable_store.h"
#include "ops/common/elementwise_ref.h"

using namespace graphrun;

namespace {

// --- TestNegate: y = -x, as ONNX's Neg through hand-written converters --------------------------

GR_REGISTER_OP("TestNegate")
    .doc("y = -x (defined in onnx_registry_test.cc only)")
    .input("x")
    .output("y")
    .shape_fn([](InferenceContext& ctx) { ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0)); });

template <typename T>
struct Negate {
  explicit Negate(const AttrMap&) {}
  T operator()(T x) const { return -x; }
};
GR_REGISTER_KERNEL(elementwise::reference_kernels<Negate>("TestNegate"));

void import_neg(onnx_import::OnnxNode& n) { n.emit("TestNegate", {n.data(0)}); }
void export_negate(onnx_export::ExportNode& x) { x.add("Neg", x.inputs()); }
GR_ONNX_IMPORT("Neg", import_neg, 6, 13);
GR_ONNX_EXPORT("TestNegate", export_negate);

// --- TestAffine: y = scale * x + shift, ONNX op ScaleAdd of domain org.graphrun.test, declared ----

GR_REGISTER_OP("TestAffine")
    .doc("y = scale * x + shift (defined in onnx_registry_test.cc only)")
    .input("x")
    .output("y")
    .attr("scale", AttrType::kFloat, attr_float(1), "")
    .attr("shift", AttrType::kFloat, attr_float(0), "")
    .attr("exact", AttrType::kBool, attr_bool(false), "")
    .attr("mode", AttrType::kString, attr_string("plain"), "")
    .attr("axes", AttrType::kInts, attr_ints({}), "")
    .attr("steps", AttrType::kInt, attr_int(1), "")
    .shape_fn([](InferenceContext& ctx) { ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0)); });

template <typename T>
struct Affine {
  explicit Affine(const AttrMap& a) : scale(static_cast<T>(a.f("scale"))), shift(static_cast<T>(a.f("shift"))) {}
  T operator()(T x) const { return scale * x + shift; }
  T scale, shift;
};
GR_REGISTER_KERNEL(elementwise::reference_kernels<Affine>("TestAffine"));
GR_ONNX_MAPPING("TestAffine", "org.graphrun.test", "ScaleAdd", 1, 3);

// ------------------------------------------------------------------------------------------------

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / fmt::format("graphrun_{}_{}", ::getpid(), name)).string();
}

onnx::ModelProto read_model(const std::string& path) {
  onnx::ModelProto model;
  std::ifstream in(path, std::ios::binary);
  REQUIRE(model.ParseFromIstream(&in));
  return model;
}

// Exports `text`'s graph, imports the model back, and checks the graph is the same: every node's
// name, op, inputs and attrs (defaults filled in).
onnx::ModelProto round_trip(const std::string& text, const std::string& file) {
  Graph g = build_graph(parse_graph_text(text));
  VariableStore weights;
  weights.initialize(g, 1);
  std::string path = temp_path(file);
  export_onnx(g, weights, path);
  onnx::ModelProto model = read_model(path);
  Graph back = build_graph(import_onnx(path));
  std::filesystem::remove(path);
  REQUIRE(back.nodes.size() == g.nodes.size());
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& a = g.nodes[i];
    const Node& b = back.nodes[i];
    INFO("node " << a.name);
    CHECK(b.name == a.name);
    CHECK(b.op == a.op);
    CHECK(b.input_names == a.input_names);
    REQUIRE(b.attrs.values().size() == a.attrs.values().size());
    for (const auto& [name, value] : a.attrs.values()) {
      INFO("attr " << name);
      CHECK(b.attrs.get(name).SerializeAsString() == value.SerializeAsString());
    }
  }
  return model;
}

int domain_version(const onnx::ModelProto& model, const std::string& domain) {
  for (const auto& op : model.opset_import())
    if (op.domain() == domain) return static_cast<int>(op.version());
  return 0;
}

std::string import_error(const onnx::ModelProto& model, const std::string& file) {
  std::string path = temp_path(file);
  {
    std::ofstream out(path, std::ios::binary);
    model.SerializeToOstream(&out);
  }
  std::string error;
  try {
    import_onnx(path);
  } catch (const Error& e) {
    error = e.what();
  }
  std::filesystem::remove(path);
  return error;
}

// x [batch, 3] -> one node of `op_type` (domain `domain`) -> y.
onnx::ModelProto one_node_model(const std::string& op_type, const std::string& domain) {
  onnx::ModelProto model;
  model.set_ir_version(7);
  auto* opset = model.add_opset_import();
  opset->set_version(14);
  if (!domain.empty()) {
    auto* other = model.add_opset_import();
    other->set_domain(domain);
    other->set_version(1);
  }
  auto* g = model.mutable_graph();
  g->set_name("one");
  auto* x = g->add_input();
  x->set_name("x");
  auto* t = x->mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  t->mutable_shape()->add_dim()->set_dim_param("batch");
  t->mutable_shape()->add_dim()->set_dim_value(3);
  auto* y = g->add_output();
  *y = *x;
  y->set_name("y");
  auto* n = g->add_node();
  n->set_name("node");
  n->set_op_type(op_type);
  n->set_domain(domain);
  n->add_input("x");
  n->add_input("x");
  n->add_output("y");
  return model;
}

void check_contains(const std::string& text, const std::string& part) {
  CHECK_MESSAGE(text.find(part) != std::string::npos, "'" << part << "' is not in: " << text);
}

}  // namespace

TEST_CASE("onnx registry: ops defined only in a test file export to ONNX and import back equal") {
  onnx::ModelProto model = round_trip(R"(
    node { name: "x" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 3] } } }
    node { name: "a" op: "TestAffine" input: "x" attr { name: "scale" f: 2.5 } attr { name: "shift" f: -0.75 }
           attr { name: "exact" b: true } attr { name: "mode" s: "fancy" } attr { name: "axes" ints { v: [1, 3] } } }
    node { name: "y" op: "TestNegate" input: "a" })",
                                      "test_ops.onnx");
  REQUIRE(model.graph().node_size() == 2);
  CHECK(model.graph().node(0).domain() == "org.graphrun.test");
  CHECK(model.graph().node(0).op_type() == "ScaleAdd");
  CHECK(model.graph().node(1).op_type() == "Neg");
  CHECK(domain_version(model, "org.graphrun.test") == 3);  // the newest since-version declared
  std::vector<std::string> supported = onnx_supported_ops();
  CHECK(std::count(supported.begin(), supported.end(), "Neg-6,13") == 1);
  CHECK(std::count(supported.begin(), supported.end(), "org.graphrun.test.ScaleAdd-1,3") == 1);
}

TEST_CASE("onnx registry: the declarative mapping refuses an ONNX attr the op lacks, or of another type") {
  onnx::ModelProto model = one_node_model("ScaleAdd", "org.graphrun.test");
  model.mutable_graph()->mutable_node(0)->mutable_input()->RemoveLast();
  auto* attr = model.mutable_graph()->mutable_node(0)->add_attribute();
  attr->set_name("gain");
  attr->set_type(onnx::AttributeProto::FLOAT);
  check_contains(import_error(model, "bad_attr.onnx"),
                 "(ScaleAdd, domain org.graphrun.test, domain version 1 resolves to ScaleAdd-1): attr 'gain' is not an "
                 "attr of graphrun's TestAffine (its attrs: scale, shift, exact, mode, axes, steps)");
  attr->set_name("scale");
  attr->set_type(onnx::AttributeProto::INT);
  check_contains(import_error(model, "bad_type.onnx"),
                 "attr 'scale' is an ONNX INT; graphrun's TestAffine takes a float (an ONNX FLOAT)");
}

TEST_CASE("onnx registry: a node without a converter keeps the importer's clear error") {
  check_contains(import_error(one_node_model("Sub", ""), "sub.onnx"),
                 "node 0 'node' (Sub, domain ai.onnx, model opset 14 resolves to Sub-14): graphrun has no equivalent "
                 "of this op");
  check_contains(import_error(one_node_model("Scale", "org.graphrun.test"), "scale.onnx"),
                 "node 0 'node' (Scale, domain org.graphrun.test, domain version 1): graphrun has no equivalent of "
                 "this op");
  check_contains(import_error(one_node_model("Foo", "com.example"), "foo.onnx"),
                 "node 0 'node' (Foo, domain com.example, model opset 14): unknown domain");
}

TEST_CASE("onnx registry: a plugin op exports in its plugin's domain and imports back (plugin ABI 3)") {
  load_plugin(std::string(GRAPHRUN_TEST_PLUGIN_DIR) + "/libonnx_affine.so");
  onnx::ModelProto model = round_trip(R"(
    node { name: "x" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 4] } } }
    node { name: "p" op: "PluginAffine" input: "x" attr { name: "alpha" f: 0.5 } attr { name: "steps" ints { v: [2] } } }
    node { name: "y" op: "Relu" input: "p" })",
                                      "plugin_op.onnx");
  REQUIRE(model.graph().node_size() == 2);
  CHECK(model.graph().node(0).domain() == "org.graphrun.plugin");
  CHECK(model.graph().node(0).op_type() == "AlphaBeta");
  CHECK(domain_version(model, "org.graphrun.plugin") == 1);
  CHECK(model.graph().node(1).op_type() == "Relu");  // built-in Relu: the declarative mapping too
}

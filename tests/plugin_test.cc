// Operator plugins (issue 7): the example plugins (plugins/) and the loader's test plugins
// (tests/plugin_fixtures/) are built by the build against the SDK installed into the build
// tree, loaded here, and checked through the op harness: forward against independent values,
// float64 central-difference gradients through their gradient functions, and every refusal
// (missing file, no plugin, newer ABI, duplicate op, a kernel that throws) by its message.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>

#include "core/graph_io.h"
#include "core/plugin_host.h"
#include "runtime/exec/executor.h"
#include "tests/harness/op_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

namespace {

std::string example(const std::string& name) { return std::string(GRAPHRUN_EXAMPLE_PLUGIN_DIR) + "/lib" + name + ".so"; }
std::string fixture(const std::string& name) { return std::string(GRAPHRUN_TEST_PLUGIN_DIR) + "/lib" + name + ".so"; }

std::string load_error(const std::string& path) {
  try {
    load_plugin(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

TEST_CASE("plugin swish: loads, names its library, declares its split rule") {
  const LoadedPlugin& p = load_plugin(example("swish"));
  CHECK(p.abi_version == GRAPHRUN_PLUGIN_ABI_VERSION);
  CHECK(p.ops == std::vector<std::string>{"Swish", "SwishGrad"});
  CHECK(p.kernels >= 4);
  const OpDef& def = OpRegistry::global().get("Swish");
  CHECK(ends_with(def.library, "/libswish.so"));
  CHECK(def.grad_fn != nullptr);
  for (const KernelDef* k : KernelRegistry::global().for_op("Swish")) CHECK(k->library == def.library);
  CHECK(def.split_fn != nullptr);  // GR_SPLIT_ELEMENTWISE: the split pass keeps its input's split
  CHECK(OpRegistry::global().get("Softmax").split_fn == nullptr);
  // Loading the same file again is the first load, not a duplicate.
  CHECK(&load_plugin(example("swish")) == &p);
}

TEST_CASE("plugin swish: forward against x * sigmoid(x), gradient against central differences") {
  load_plugin(example("swish"));
  OpCase c{.op = "Swish", .input_shapes = {Shape{2, 3, 4}}};
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    NodeInfo node = make_node(c, dtype);
    CHECK(node.outputs[0].shape == Shape{2, 3, 4});
    CHECK(node.outputs[0].dtype == dtype);
  }
  NodeInfo node = make_node(c, DType::kFloat64);
  std::vector<Tensor> x = make_inputs(c, node);
  Tensor y = run_reference(node, x)[0];
  Tensor want(DType::kFloat64, Shape{2, 3, 4});
  for (int64_t i = 0; i < want.num_elements(); ++i) {
    double v = x[0].data<double>()[i];
    want.data<double>()[i] = v / (1 + std::exp(-v));
  }
  CHECK(compare(y, want, 1e-12, 1e-14) == "");
  CHECK(check_kernels_against_reference(c) == 0);  // no other CPU kernel: the CUDA one needs a GPU
  CHECK(check_gradients(c) == 1);                  // Swish -> SwishGrad, run by the executor
  CHECK(contains(build_error(OpCase{.op = "Swish", .input_shapes = {Shape{3}}, .input_dtypes = {DType::kInt64}}),
                 "Swish 'node': input 0 must be float32 or float64"));
}

TEST_CASE("plugin scaled_tanh: attrs with defaults, its own backward op, attr errors by name") {
  load_plugin(example("scaled_tanh"));
  OpCase c{.op = "ScaledTanh", .attrs = {{"scale", attr_float(2.0)}, {"slope", attr_float(0.5)}},
           .input_shapes = {Shape{3, 5}}};
  NodeInfo node = make_node(c, DType::kFloat64);
  std::vector<Tensor> x = make_inputs(c, node);
  Tensor y = run_reference(node, x)[0];
  for (int64_t i = 0; i < y.num_elements(); ++i)
    CHECK(y.data<double>()[i] == doctest::Approx(2.0 * std::tanh(0.5 * x[0].data<double>()[i])).epsilon(1e-12));
  CHECK(check_gradients(c) == 1);  // ScaledTanh -> ScaledTanhGrad with the forward attrs copied

  NodeInfo defaults = make_node(OpCase{.op = "ScaledTanh", .input_shapes = {Shape{1}}}, DType::kFloat64);
  CHECK(defaults.attrs.f("scale") == doctest::Approx(1.7159));
  CHECK(defaults.attrs.f("slope") == doctest::Approx(2.0 / 3.0));
  CHECK(contains(build_error(OpCase{.op = "ScaledTanh", .attrs = {{"slope", attr_float(-1)}}, .input_shapes = {Shape{2}}}),
                 "ScaledTanh 'node': attr 'slope' must be positive"));
  // The loader validates plugin attrs as it does built-in ones.
  CHECK(contains(build_error(OpCase{.op = "ScaledTanh", .attrs = {{"slop", attr_float(2)}}, .input_shapes = {Shape{2}}}),
                 "unknown attr 'slop' (did you mean 'slope'?)"));
}

TEST_CASE("plugin in plain C: registers through the ABI alone; its kernel's error is reported") {
  const LoadedPlugin& loaded = load_plugin(fixture("c_negate"));
  CHECK(loaded.abi_version == 1);  // a version-1 plugin runs on this graphrun (ABI 3)
  CHECK(GRAPHRUN_PLUGIN_ABI_VERSION == 3);
  OpCase c{.op = "CNegate", .input_shapes = {Shape{4}}};
  NodeInfo node = make_node(c, DType::kFloat32);
  std::vector<Tensor> x = make_inputs(c, node);
  Tensor y = run_reference(node, x)[0];
  for (int64_t i = 0; i < 4; ++i) CHECK(y.data<float>()[i] == -x[0].data<float>()[i]);

  OpCase failing{.op = "CNegate", .attrs = {{"fail", attr_bool(true)}}, .input_shapes = {Shape{4}}};
  NodeInfo bad = make_node(failing, DType::kFloat32);
  std::string error;
  try {
    run_reference(bad, x);
  } catch (const Error& e) {
    error = e.what();
  }
  CHECK(contains(error, "libc_negate.so"));
  CHECK(contains(error, "CNegate was asked to fail"));
}

TEST_CASE("plugin loader: refuses a missing file, a library that is no plugin, a newer ABI") {
  CHECK(contains(load_error("/nonexistent/libnothing.so"), "plugin '/nonexistent/libnothing.so' not found"));
  std::string no_plugin = load_error(fixture("not_a_plugin"));
  CHECK(contains(no_plugin, "libnot_a_plugin.so' is not a graphrun plugin"));
  CHECK(contains(no_plugin, "graphrun_plugin_abi_version"));
  std::string newer = load_error(fixture("newer_abi"));
  INFO(newer);
  CHECK(contains(newer, fmt::format("libnewer_abi.so' was built for plugin ABI version {}, newer than this graphrun's ({}",
                                    GRAPHRUN_PLUGIN_ABI_VERSION + 1, GRAPHRUN_PLUGIN_ABI_VERSION)));
  CHECK(!contains(newer, "called the init"));  // refused before anything in it ran
  std::string not_a_library = load_error(std::string(GRAPHRUN_SOURCE_DIR) + "/graphs/alexnet_mini.pbtxt");
  CHECK(contains(not_a_library, "cannot load plugin"));
}

TEST_CASE("plugin loader: a duplicate op name is refused naming both libraries, nothing registered") {
  load_plugin(example("swish"));
  std::string error = load_error(fixture("dup_swish"));
  INFO(error);
  CHECK(contains(error, "op 'Swish' is registered twice: by " + OpRegistry::global().get("Swish").library +
                            " and by "));
  CHECK(contains(error, "libdup_swish.so"));
  CHECK(ends_with(OpRegistry::global().get("Swish").library, "/libswish.so"));
  for (const auto& p : loaded_plugins()) CHECK(!ends_with(p.path, "libdup_swish.so"));
}

TEST_CASE("plugin loader: an exception in a plugin's kernel fails the step, naming node, plugin and op") {
  load_plugin(fixture("throwing"));
  for (const char* kind : {"std", "int"}) {
    Graph g = build_graph(parse_graph_text(fmt::format(R"(
      node {{ name: "x" op: "Placeholder" attr {{ name: "shape" shape {{ dim: [2] }} }} }}
      node {{ name: "boom" op: "Explode" input: "x" attr {{ name: "kind" s: "{}" }} }}
      node {{ name: "fine" op: "Relu" input: "x" }})", kind)));
    VariableStore vars;
    Executor ex(std::move(g), vars);
    Tensor x = Tensor::zeros(DType::kFloat32, Shape{2});
    for (int step = 0; step < 2; ++step) {  // the executor stays usable after a failed step
      std::string error;
      try {
        ex.run({{"x", x}}, {"boom"});
      } catch (const Error& e) {
        error = e.what();
      }
      INFO(error);
      CHECK(contains(error, "Explode 'boom': kernel 'reference' of plugin "));
      CHECK(contains(error, "libthrowing.so failed: "));
      CHECK(contains(error, std::string(kind) == "std" ? "Explode kernel blew up on purpose" : "unknown C++ exception"));
    }
    CHECK(ex.run({{"x", x}}, {"fine"})[0].num_elements() == 2);
  }
}

TEST_CASE("plugin paths: a graph's plugin list resolves next to the graph, then along GRAPHRUN_PLUGIN_PATH") {
  proto::Graph g = parse_graph_text(R"(plugin: "libscaled_tanh.so" node { name: "x" op: "Placeholder" })");
  // Next to the graph file.
  CHECK(resolve_plugin("libscaled_tanh.so", GRAPHRUN_EXAMPLE_PLUGIN_DIR) == example("scaled_tanh"));
  // Along the path variable (empty entries are skipped).
  setenv("GRAPHRUN_PLUGIN_PATH", (std::string("/nonexistent::") + GRAPHRUN_TEST_PLUGIN_DIR).c_str(), 1);
  CHECK(resolve_plugin("libc_negate.so", "/tmp") == fixture("c_negate"));
  unsetenv("GRAPHRUN_PLUGIN_PATH");
  load_graph_plugins(g, std::string(GRAPHRUN_EXAMPLE_PLUGIN_DIR) + "/model.pbtxt");
  CHECK(OpRegistry::global().find("ScaledTanh") != nullptr);
  std::string error;
  try {
    load_graph_plugins(parse_graph_text(R"(plugin: "libmissing.so")"), "/models/m.pbtxt");
  } catch (const Error& e) {
    error = e.what();
  }
  CHECK(contains(error, "/models/m.pbtxt: plugin 'libmissing.so' not found (tried /models/libmissing.so"));
  CHECK(contains(error, "GRAPHRUN_PLUGIN_PATH"));
}

// Plugins, issue 20: what ABI version 2 adds (an op's cost, an output that reuses an input's
// buffer) honoured by graph building, the executor and the memory plan; a graph's plugin entry
// satisfied by a plugin already loaded with --plugin rather than by another copy of the file.
#include <doctest/doctest.h>

#include <cmath>
#include <unistd.h>

#include <filesystem>

#include "core/allocator.h"
#include "core/graph_io.h"
#include "core/plugin_host.h"
#include "runtime/devices/device.h"
#include "runtime/exec/executor.h"
#include "runtime/passes/memory_plan.h"
#include "tests/harness/op_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

namespace {

std::string example(const std::string& name) { return std::string(GRAPHRUN_EXAMPLE_PLUGIN_DIR) + "/lib" + name + ".so"; }

// x -> Relu -> act -> act, each [4, 1000] float32.
Graph chain(const std::string& act) {
  return build_graph(parse_graph_text(fmt::format(R"(
    node {{ name: "x" op: "Placeholder" attr {{ name: "shape" shape {{ dim: [4, 1000] }} }} }}
    node {{ name: "a" op: "Relu" input: "x" }}
    node {{ name: "b" op: "{0}" input: "a" }}
    node {{ name: "c" op: "{0}" input: "b" }})",
                                                   act)));
}

double swish(double x) { return x / (1 + std::exp(-x)); }

}  // namespace

TEST_CASE("plugin ABI 2: Swish's cost comes through the ABI, and its output reuses its input's buffer") {
  load_plugin(example("swish"));
  const OpDef& def = OpRegistry::global().get("Swish");
  CHECK(def.reuse_input == std::vector<std::pair<int, int>>{{0, 0}});
  CHECK(OpRegistry::global().get("SwishGrad").reuse_input == std::vector<std::pair<int, int>>{{0, 0}});
  Graph g = chain("Swish");
  CHECK(g.node("b").cost.flops == 4.0 * 4000);           // cost_elementwise(4)
  CHECK(g.node("b").cost.bytes == 2.0 * 4000 * 4);       // x read, y written, float32

  // The memory plan: b and c take over their input's buffer, so one [4, 1000] tensor is live at a
  // time, where Sigmoid (no reuse) needs two.
  double reused = plan_step_memory(g, {"c"}, {})["cpu:0"].peak_bytes;
  double fresh = plan_step_memory(chain("Sigmoid"), {"c"}, {})["cpu:0"].peak_bytes;
  CHECK(fresh - reused == doctest::Approx(16000));

  // The executor does it, and in place the values are still right (the kernel reads x[i]
  // before it writes y[i]); the allocator's peak shows one tensor fewer.
  Tensor x(DType::kFloat32, Shape{4, 1000});
  for (int64_t i = 0; i < x.num_elements(); ++i) x.data<float>()[i] = static_cast<float>(std::sin(0.01 * i) * 3);
  auto peak_of = [&](const std::string& act, Tensor* out) {
    VariableStore vars;
    Executor ex(chain(act), vars);
    ex.run({{"x", x}}, {"c"});  // warm-up: the block cache holds the sizes from here on
    Allocator& allocator = get_device("cpu:0").allocator();
    allocator.reset_peak();
    size_t before = allocator.bytes_in_use();
    Tensor c = ex.run({{"x", x}}, {"c"})[0];
    if (out != nullptr) *out = c;
    return static_cast<double>(allocator.peak_bytes() - before);
  };
  Tensor c;
  double swish_peak = peak_of("Swish", &c);
  double sigmoid_peak = peak_of("Sigmoid", nullptr);
  CHECK(sigmoid_peak - swish_peak >= 16000);
  for (int64_t i = 0; i < x.num_elements(); ++i) {
    double want = swish(swish(std::max(0.0, static_cast<double>(x.data<float>()[i]))));
    REQUIRE(std::abs(c.data<float>()[i] - want) <= 1e-6 + 1e-5 * std::abs(want));
  }
}

TEST_CASE("plugin paths: a plugin loaded with --plugin satisfies a graph's entry of its file name before another copy") {
  const LoadedPlugin& loaded = load_plugin(example("scaled_tanh"));
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / fmt::format("graphrun_plugin_copy_{}", ::getpid());
  fs::create_directories(dir);
  fs::copy_file(example("scaled_tanh"), dir / "libscaled_tanh.so", fs::copy_options::overwrite_existing);
  std::string note;
  std::string want = fmt::format("plugin 'libscaled_tanh.so': using {} (loaded with --plugin), not {}", loaded.path,
                                 (dir / "libscaled_tanh.so").string());
  // The copy beside the graph is no candidate unless the user trusts it (issue 34)...
  CHECK(resolve_graph_plugin("libscaled_tanh.so", dir.string(), &note) == loaded.path);
  CHECK(note.empty());
  set_trust_plugins_beside_graph(true);
  CHECK(resolve_graph_plugin("libscaled_tanh.so", dir.string(), &note) == loaded.path);
  set_trust_plugins_beside_graph(false);
  CHECK(contains(note, want));
  // ...and one along GRAPHRUN_PLUGIN_PATH is passed over the same way.
  note.clear();
  setenv("GRAPHRUN_PLUGIN_PATH", dir.c_str(), 1);
  CHECK(resolve_graph_plugin("libscaled_tanh.so", "/models", &note) == loaded.path);
  unsetenv("GRAPHRUN_PLUGIN_PATH");
  CHECK(contains(note, want));
  // Loading the graph's list then registers nothing twice.
  load_graph_plugins(parse_graph_text(R"(plugin: "libscaled_tanh.so" node { name: "x" op: "Placeholder" })"),
                     (dir / "g.pbtxt").string());
  // The same file found beside the graph (trusted): no note.
  note.clear();
  set_trust_plugins_beside_graph(true);
  CHECK(resolve_graph_plugin("libscaled_tanh.so", GRAPHRUN_EXAMPLE_PLUGIN_DIR, &note) == loaded.path);
  set_trust_plugins_beside_graph(false);
  CHECK(note.empty());
  fs::remove_all(dir);
}

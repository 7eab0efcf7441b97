// Plugins, ABI 3: the traits a plugin declares for its ops and kernels (tests/plugin_fixtures/
// traits_scale.cc) are read by graphrun's passes as built-in ones are: the blocked layout,
// bfloat16 and activation fusion.
#include <doctest/doctest.h>

#include "core/graph_io.h"
#include "core/kernel_registry.h"
#include "core/plugin_host.h"
#include "runtime/passes/compile.h"
#include "runtime/passes/fuse_activations.h"
#include "runtime/passes/mixed_precision.h"

using namespace graphrun;

namespace {

Graph plugin_graph(const std::string& product_attrs) {
  load_plugin(std::string(GRAPHRUN_TEST_PLUGIN_DIR) + "/libtraits_scale.so");
  BuildOptions options;
  options.batch_size = 2;
  return build_graph(parse_graph_text(R"(
node { name: "x" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 16, 8, 8] } } }
node { name: "conv" op: "Conv2D" input: "x" attr { name: "filters" i: 16 } attr { name: "kernel" i: 3 } }
node { name: "scale" op: "PluginTraitsScale" input: "conv" attr { name: "factor" f: 3 } }
node { name: "act" op: "Relu" input: "scale" }
node { name: "product" op: "PluginTraitsProduct" input: "act" )" +
                                      product_attrs + R"( }
node { name: "conv2" op: "Conv2D" input: "product" attr { name: "filters" i: 16 } attr { name: "kernel" i: 3 } }
node { name: "flat" op: "Flatten" input: "conv2" }
)"),
                     options);
}

}  // namespace

TEST_CASE("plugin traits: a plugin op follows into bfloat16, a plugin product computes in it where it says") {
  const Graph mixed = to_mixed_bfloat16(plugin_graph(""));
  for (const char* name : {"conv", "scale", "act", "product", "conv2"}) {
    INFO(name);
    CHECK(mixed.node(name).outputs[0].dtype == DType::kBFloat16);
  }
  const Graph refused = to_mixed_bfloat16(plugin_graph(R"(attr { name: "bf16" b: false })"));
  CHECK(refused.node("product").outputs[0].dtype == DType::kFloat32);
  CHECK(refused.node("act").outputs[0].dtype == DType::kBFloat16);
}

TEST_CASE("plugin traits: a plugin kernel's layouts and fusion") {
  const Graph model = plugin_graph("");
  const KernelDef* kernel = KernelRegistry::global().find("PluginTraitsScale", DeviceType::kCPU, DType::kFloat32)[0];
  CHECK(kernel->any_layout.inputs == std::vector<int>{0});
  CHECK(kernel->fusion_with("Relu")->fused_op == "PluginTraitsScaleRelu");
  CHECK(OpRegistry::global().get("PluginTraitsProduct").traits.elementwise);

  CompileOptions options;
  options.fuse_activations = false;
  const Graph unfused = compile_inference(model, options).graph;
  // conv -> scale -> act -> product -> conv2: aware kernels and elementwise ops all the way.
  for (const char* t : {"conv", "scale", "act", "product"}) {
    INFO(t);
    CHECK(unfused.info(unfused.resolve(t)).layout == MemoryLayout::kBlocked16);
  }
  options.fuse_activations = true;
  const Graph fused = compile_inference(model, options).graph;
  CHECK(fused.node("act").op == "PluginTraitsScaleRelu");
  CHECK(fused.node("act").attrs.f("factor") == 3.0);
  CHECK(fused.info(fused.resolve("act")).layout == MemoryLayout::kBlocked16);
}

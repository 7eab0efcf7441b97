// Op and kernel traits (core/op_registry.h OpTraits, core/kernel_registry.h KernelLayouts and
// ActivationFusion): ops defined only in this file, with their kernels and traits, get the blocked
// layout, bfloat16 and activation fusion from the passes, which name no op.
#include <doctest/doctest.h>

#include <cstring>

#include "core/graph_io.h"
#include "core/kernel_registry.h"
#include "core/variable_store.h"
#include "ops/common/shape_fns.h"
#include "runtime/exec/executor.h"
#include "runtime/passes/compile.h"
#include "runtime/passes/fuse_activations.h"
#include "runtime/passes/mixed_precision.h"
#include "tests/harness/training_harness.h"

using namespace graphrun;

namespace {

// y = factor * x (or max(factor * x, 0): TraitsTestScale with a Relu fused into it), elementwise,
// so the kernel computes the same on a blocked x.
template <typename T, bool kRelu>
class ScaleKernelOf final : public OpKernel {
 public:
  explicit ScaleKernelOf(const NodeInfo& node) : factor_(static_cast<T>(node.attrs.f("factor"))) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    for (int64_t i = 0; i < y.num_elements(); ++i) {
      const T v = factor_ * x.data<T>()[i];
      y.data<T>()[i] = kRelu ? std::max(v, T(0)) : v;
    }
  }

 private:
  T factor_;
};
template <typename T>
using ScaleKernel = ScaleKernelOf<T, false>;
template <typename T>
using ScaleReluKernel = ScaleKernelOf<T, true>;

// What every test op here declares: y like x, scaled by `factor`.
void scale_op(OpDefBuilder& op) {
  op.input("x")
      .output("y")
      .attr("factor", AttrType::kFloat, attr_float(2.0), "the scale")
      .shape_fn(shape_fns::same_as_input);
}

// Follows a product into bfloat16; its kernel reads and writes any layout and absorbs a Relu.
GR_REGISTER_OP("TraitsTestScale")
    .doc("y = factor * x (op_traits_test.cc)")
    .with(scale_op)
    .attr("note", AttrType::kString, attr_string(""), "an attr the fused op does not declare")
    .bfloat16(BFloat16Behaviour::kFollows);

GR_REGISTER_OP("TraitsTestScaleRelu").doc("max(factor * x, 0) (op_traits_test.cc)").with(scale_op);

// Elementwise (the same in any layout whatever kernel runs it); a product in bfloat16 when its
// attr says so, as Conv2D is one only with enough channels a group.
GR_REGISTER_OP("TraitsTestProduct")
    .doc("y = factor * x, a stand-in for a heavy product (op_traits_test.cc)")
    .with(scale_op)
    .attr("bf16", AttrType::kBool, attr_bool(true), "whether it may run in bfloat16")
    .elementwise()
    .bfloat16(BFloat16Behaviour::kComputes, [](const NodeInfo& node) { return node.attrs.b("bf16"); });

GR_REGISTER_KERNEL(KernelBuilder("TraitsTestScale", DeviceType::kCPU, "traits_test", 1)
                       .any_layout({0}, {0})
                       .fuses_activation("Relu", "TraitsTestScaleRelu")
                       .float_types<ScaleKernel>());
GR_REGISTER_KERNEL(
    KernelBuilder("TraitsTestScaleRelu", DeviceType::kCPU, "traits_test", 1).float_types<ScaleReluKernel>());
GR_REGISTER_KERNEL(KernelBuilder("TraitsTestProduct", DeviceType::kCPU, "reference").float_types<ScaleKernel>());

// TraitsTestScale again, but a kernel of higher priority that declares no layout outranks the one
// that does (as a plugin's outranks graphrun's oneDNN kernel).
GR_REGISTER_OP("TraitsTestPlainScale").with(scale_op).attr("note", AttrType::kString, attr_string(""), "");
GR_REGISTER_KERNEL(
    KernelBuilder("TraitsTestPlainScale", DeviceType::kCPU, "low", 0).any_layout({0}, {0}).float_types<ScaleKernel>());
GR_REGISTER_KERNEL(KernelBuilder("TraitsTestPlainScale", DeviceType::kCPU, "high", 5).float_types<ScaleKernel>());

// x (16 channels) -> conv -> scale -> product -> conv2 -> relu; conv2 has 16 channels a group.
constexpr const char* kGraph = R"(
name: "traits"
node { name: "x" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 16, 8, 8] } } }
node { name: "conv" op: "Conv2D" input: "x" attr { name: "filters" i: 16 } attr { name: "kernel" i: 3 }
  attr { name: "pad" i: 1 } }
node { name: "scale" op: "TraitsTestScale" input: "conv" attr { name: "factor" f: 3 } attr { name: "note" s: "n" } }
node { name: "product" op: "TraitsTestProduct" input: "scale" }
node { name: "conv2" op: "Conv2D" input: "product" attr { name: "filters" i: 16 } attr { name: "kernel" i: 3 }
  attr { name: "pad" i: 1 } }
node { name: "relu" op: "Relu" input: "conv2" }
node { name: "flat" op: "Flatten" input: "relu" }
)";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

Graph traits_graph(const std::string& text = kGraph) {
  BuildOptions options;
  options.batch_size = 2;
  return build_graph(parse_graph_text(text), options);
}

CompileOptions unfused() {
  CompileOptions options;
  options.fuse_activations = false;
  return options;
}

MemoryLayout layout_of(const Graph& g, const std::string& tensor) { return g.info(g.resolve(tensor)).layout; }

}  // namespace

TEST_CASE("op traits: a test op's kernel that reads and writes any layout keeps its tensors blocked") {
  const Graph g = compile_inference(traits_graph(), unfused()).graph;
  // conv -> scale -> product -> conv2: written and read by kernels that declare any layout, or by
  // an elementwise op.
  for (const char* t : {"conv", "scale", "product"}) {
    INFO(t);
    CHECK(layout_of(g, t) == MemoryLayout::kBlocked16);
  }
  // relu is read by Flatten, and conv2 is in relu's elementwise group; x comes from a Placeholder.
  for (const char* t : {"x", "conv2", "relu"}) {
    INFO(t);
    CHECK(layout_of(g, t) == MemoryLayout::kPlain);
  }
}

TEST_CASE("op traits: the test ops compute the same blocked and fused as plain and unfused") {
  const Graph model = traits_graph();
  const Tensor x = testing::random_images(model.node("x").outputs[0], 5);
  auto run = [&](bool blocked, bool fused) {
    CompileOptions options;
    options.blocked_layouts = blocked;
    options.fuse_activations = fused;
    VariableStore variables;
    Executor executor(compile_inference(model, options).graph, variables, {.seed = 3});
    return executor.run({{"x", x}}, {"flat"})[0];
  };
  const Tensor plain = run(false, false), blocked = run(true, true);
  REQUIRE(plain.num_elements() == blocked.num_elements());
  CHECK(std::memcmp(plain.raw(), blocked.raw(), plain.num_elements() * sizeof(float)) == 0);
}

TEST_CASE("op traits: a kernel that outranks the declaring one and declares nothing gets plain tensors") {
  const Graph g =
      compile_inference(traits_graph(replaced(kGraph, "\"TraitsTestScale\"", "\"TraitsTestPlainScale\"")), unfused())
          .graph;
  for (const char* t : {"conv", "scale", "product"}) {  // product is in scale's elementwise group
    INFO(t);
    CHECK(layout_of(g, t) == MemoryLayout::kPlain);
  }
}

TEST_CASE("op traits: a test op's kernel absorbs the Relu it declares, with the attrs the fused op declares") {
  // scale read only by a Relu, which the product reads.
  const std::string text = replaced(kGraph, "node { name: \"product\" op: \"TraitsTestProduct\" input: \"scale\" }",
                                    "node { name: \"scale_relu\" op: \"Relu\" input: \"scale\" }\n"
                                    "node { name: \"product\" op: \"TraitsTestProduct\" input: \"scale_relu\" }");
  int fused = 0;
  const Graph placed = compile_placed(traits_graph(text), unfused()).graph;
  const Graph g = fuse_activations(placed, {}, "", &fused);
  CHECK(fused == 2);  // conv2 -> relu by Conv2D's oneDNN kernel, scale -> scale_relu by the test kernel
  const Node& node = g.node("scale_relu");
  CHECK(node.op == "TraitsTestScaleRelu");
  CHECK(node.attrs.f("factor") == 3.0);
  CHECK(!node.attrs.has("note"));
  CHECK(g.node("relu").op == "Conv2DRelu");
  CHECK(g.find("scale") < 0);
}

TEST_CASE("op traits: test ops compute in bfloat16 or follow into it as they declare") {
  const Graph mixed = to_mixed_bfloat16(traits_graph());
  // conv has 16 input channels a group: bfloat16; scale follows it; product computes in bfloat16.
  for (const char* name : {"conv", "scale", "product", "conv2", "relu"}) {
    INFO(name);
    CHECK(mixed.node(name).outputs[0].dtype == DType::kBFloat16);
  }
  CHECK(mixed.node("scale").op == "TraitsTestScale");  // no cast between the conv and the scale
  const Graph refused = to_mixed_bfloat16(
      traits_graph(replaced(kGraph, "input: \"scale\" }", "input: \"scale\" attr { name: \"bf16\" b: false } }")));
  CHECK(refused.node("product").outputs[0].dtype == DType::kFloat32);
  CHECK(refused.node("scale").outputs[0].dtype == DType::kBFloat16);
}

TEST_CASE("op traits: a float32_gradients attr must be a bool attr of the op, an aliased input one of its inputs") {
  auto build = [](const std::function<void(OpDefBuilder&)>& traits) {
    OpDefBuilder op("TraitsTestBad");
    op.input("x").output("y").shape_fn(shape_fns::same_as_input).with(traits);
    return std::move(op).build();
  };
  CHECK_THROWS_WITH(build([](OpDefBuilder& op) { op.float32_gradients_attr("missing"); }),
                    doctest::Contains("not a bool attr"));
  CHECK_THROWS_WITH(build([](OpDefBuilder& op) { op.output_aliases_input(1); }),
                    doctest::Contains("output_aliases_input(1)"));
}

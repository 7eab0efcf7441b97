// The bfloat16 mixed-precision pass (--precision bf16): which nodes run in bfloat16, where the
// casts go, and what a whole network computes and trains with it against float32.
#include <doctest/doctest.h>

#include "runtime/devices/cpu_peak.h"
#include "runtime/passes/compile.h"
#include "runtime/passes/mixed_precision.h"
#include "runtime/passes/placement.h"
#include "runtime/train/training_graph.h"
#include "tests/harness/bfloat16_case.h"
#include "tests/harness/precision_scope.h"
#include "tests/harness/training_harness.h"

using namespace graphrun;

using testing::PrecisionScope;

TEST_CASE("mixed precision: products and the activations between them in bfloat16, casts at the borders") {
  Graph model = testing::load("alexnet_mini.pbtxt", 4);
  Graph mixed = to_mixed_bfloat16(model);
  const std::vector<std::vector<int>> consumers = mixed.consumers();
  int casts = 0;
  for (size_t i = 0; i < mixed.nodes.size(); ++i) {
    const Node& node = mixed.nodes[i];
    INFO(node.name);
    const DType dtype = node.outputs[0].dtype;
    // conv1 (one input channel) and the layers after it up to conv2 stay float32.
    const bool before_conv2 = node.name == "conv1" || node.name == "relu1" || node.name == "norm1" || node.name == "pool1";
    if (node.op == "Conv2D" || node.op == "Dense" || node.op == "LRN" || node.op == "MaxPool")
      CHECK(dtype == (before_conv2 ? DType::kFloat32 : DType::kBFloat16));
    if (node.op == "Softmax" || node.op == "Dropout" || node.op == "Placeholder") CHECK(dtype == DType::kFloat32);
    if (node.op == "Variable") {  // the float32 master weights, read through a Cast by bfloat16 layers
      CHECK(dtype == DType::kFloat32);
      for (int reader : consumers[i]) CHECK(mixed.nodes[reader].op == (node.name.starts_with("conv1/") ? "Conv2D" : "Cast"));
    }
    if (node.op == "Cast") {
      ++casts;
      CHECK(mixed.info(node.inputs[0]).dtype != dtype);  // no cast that changes nothing
    }
  }
  // The logits keep their name and float32, for the loss and for a caller's fetch.
  CHECK(mixed.node("fc8").op == "Cast");
  CHECK(mixed.node("fc8").outputs[0].dtype == DType::kFloat32);
  CHECK(mixed.node("fc8/bf16").op == "Dense");
  CHECK(mixed.node("pool1/to_bf16").op == "Cast");
  // One cast per variable but conv1's two, pool1's output, the four borders around the two
  // Dropouts, and the logits.
  int variables = static_cast<int>(model.nodes_with_op("Variable").size());
  CHECK(casts == variables - 2 + 1 + 4 + 1);
}

TEST_CASE("mixed precision: a whole network's bfloat16 forward against float32") {
  if (!testing::bfloat16_cpu()) return;
  Graph model = testing::load("alexnet_mini.pbtxt", 4);
  Tensor images = testing::random_images(model.node("data").outputs[0], 1);
  const std::vector<DeviceName> cpu{DeviceName{}};
  Tensor fp32 = testing::forward_output(model, cpu, images, "fc8");
  Tensor bf16;
  {
    PrecisionScope scope(MathPrecision::kBFloat16);
    bf16 = testing::forward_output(model, cpu, images, "fc8");
  }
  REQUIRE(bf16.dtype() == DType::kFloat32);
  const double difference = testing::relative_difference(bf16, fp32);
  MESSAGE("alexnet_mini logits, bf16 against fp32: max |difference| / max |fp32| = " << difference);
  CHECK(difference > 0);     // it did run in bfloat16
  CHECK(difference < 0.05);  // eight layers of 8-bit mantissas, not a wrong kernel
}

TEST_CASE("mixed precision: training updates float32 variables and follows float32's loss") {
  if (!testing::bfloat16_cpu()) return;
  // A learning rate small enough that three steps on one batch lower the loss steadily (a large
  // one makes the steps chaotic, and any rounding difference grows without bound).
  const double lr = 0.001;
  Graph model = testing::load("alexnet_mini.pbtxt", 8);
  testing::TrainResult fp32 = testing::train_steps(model, CompileOptions{}, 3, lr);
  PrecisionScope scope(MathPrecision::kBFloat16);
  testing::TrainingRun run(model, CompileOptions{}, lr);
  const Graph& g = run.graph();
  int updates = 0;
  for (const Node& node : g.nodes) {
    if (node.op != "FusedApplyMomentum" && node.op != "ApplyMomentum") continue;
    ++updates;
    for (const TensorRef& in : node.inputs) CHECK(g.info(in).dtype == DType::kFloat32);  // variables and gradients
  }
  CHECK(updates > 0);
  CHECK(!g.nodes_with_op("Conv2DBackpropFilter").empty());
  CHECK(!g.nodes_with_op("DenseBackpropWeight").empty());
  for (const char* op : {"Conv2DBackpropFilter", "DenseBackpropWeight"})
    for (int i : g.nodes_with_op(op)) {
      const Node& node = g.nodes[i];
      INFO(node.name);
      // conv1 stays float32 (one input channel); the others read bfloat16 and write the float32
      // gradients the master weights get, never rounded to bfloat16.
      const bool bf16 = !node.name.starts_with("conv1/");
      CHECK(g.info(node.inputs[0]).dtype == (bf16 ? DType::kBFloat16 : DType::kFloat32));
      CHECK(node.attrs.b("float32_gradients") == bf16);
      CHECK(node.outputs[0].dtype == DType::kFloat32);
      CHECK(node.outputs[1].dtype == DType::kFloat32);
    }
  for (int i : g.nodes_with_op("Cast")) {  // no Cast of a weight gradient is left: they alias now
    const std::string& producer = g.nodes[g.nodes[i].inputs[0].node].op;
    CHECK(producer != "Conv2DBackpropFilter");
    CHECK(producer != "DenseBackpropWeight");
  }
  for (int step = 0; step < 3; ++step) {
    const double loss = run.step();
    MESSAGE("step " << step << ": loss bf16 " << loss << ", fp32 " << fp32.losses[step]);
    // The first step's forward has the same weights on both sides; later steps follow weights
    // updated with bfloat16 gradients (a missing or wrong gradient moves the loss by 15% or more).
    CHECK(loss == doctest::Approx(fp32.losses[step]).epsilon(step == 0 ? 0.01 : 0.05));
  }
  for (const auto& [name, weight] : run.weights()) CHECK(weight.dtype() == DType::kFloat32);
}

TEST_CASE("mixed precision: weight gradients written in float32 only where graphrun's oneDNN kernels run") {
  Graph mixed = to_mixed_bfloat16(testing::load("alexnet_mini.pbtxt", 4));
  mixed.training.set_logits("fc8");
  TrainingGraph t = build_training_graph(mixed, OptimizerSettings{});
  place(t.graph, {DeviceName{}});
  int rewritten = -1;
  Graph untouched = float32_weight_gradients(t.graph, "reference", &rewritten);
  CHECK(rewritten == 0);
  CHECK(untouched.nodes_with_op("Cast").size() == t.graph.nodes_with_op("Cast").size());
  Graph g = float32_weight_gradients(t.graph, "", &rewritten);
  CHECK(rewritten == 7);  // conv2 to conv5 and fc6 to fc8; conv1 is float32 already
  // Each op's two casts (weight and bias gradient) became Identities under the same names.
  CHECK(g.nodes_with_op("Identity").size() == t.graph.nodes_with_op("Identity").size() + 14);
  CHECK(g.nodes_with_op("Cast").size() == t.graph.nodes_with_op("Cast").size() - 14);
  CHECK(g.node("conv2/weight/to_bf16/grad/cast").op == "Identity");
  CHECK(g.node("conv2/weight/to_bf16/grad/cast").outputs[0].dtype == DType::kFloat32);
}

TEST_CASE("mixed precision: one CPU device only, and a CPU with AVX512_BF16") {
  PrecisionScope scope(MathPrecision::kBFloat16);
  Graph model = testing::load("alexnet_mini.pbtxt", 2);
  CHECK_THROWS_WITH(compile_inference(model, compile_options_for("cpu:0,cpu:1", "model")),
                    doctest::Contains("--precision bf16 runs on one CPU device"));
  if (cpu_supports(PeakKind::kBFloat16Dot))
    CHECK_NOTHROW(require_bfloat16_cpu());
  else
    CHECK_THROWS_WITH(require_bfloat16_cpu(), doctest::Contains("AVX512_BF16"));
}

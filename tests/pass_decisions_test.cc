// The graph passes that read op and kernel traits (mixed precision, float32 weight gradients,
// activation fusion, blocked layouts, the memory plan's aliases, the placement report's updates)
// make exactly the decisions they made when they kept tables of op names: every compiled node's
// op, device, output dtypes and layouts, its float32_gradients attr, each device's planned peak
// and each transfer's pass, on AlexNet, VGG-11 and the small nets, fp32 and bf16, one device and
// two. Each case's decisions are summed up in a 64-bit FNV-1a hash, recorded when the passes
// still named their ops; a change of decision changes the hash (GRAPHRUN_PRINT_DECISIONS=1
// prints the decisions themselves, to diff against an older build).
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstdlib>
#include <iostream>

#include "core/precision.h"
#include "runtime/passes/compile.h"
#include "runtime/train/compile_training.h"
#include "runtime/passes/memory_plan.h"
#include "runtime/passes/placement_report.h"
#include "tests/harness/bfloat16_case.h"
#include "tests/harness/precision_scope.h"
#include "tests/harness/training_harness.h"

using namespace graphrun;

namespace {

uint64_t fnv1a(const std::string& text) {
  uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
  return hash;
}

std::string node_decisions(const Graph& graph) {
  std::string out;
  for (const Node& node : graph.nodes) {
    out += fmt::format("{} {} {}", node.name, node.op, node.device);
    for (const TensorInfo& info : node.outputs)
      out += fmt::format(" {}/{}", dtype_name(info.dtype), static_cast<int>(info.layout));
    if (node.attrs.has("float32_gradients")) out += fmt::format(" f32grad={}", node.attrs.b("float32_gradients"));
    out += '\n';
  }
  return out;
}

std::string training_decisions(const std::string& file, const std::string& devices, bool fuse_updates,
                               const std::string& parallel = "model") {
  const Graph model = testing::load(file, 4);
  CompileOptions options = compile_options_for(devices, parallel);
  options.fuse_updates = fuse_updates;
  CompiledTraining compiled = compile_training(model, {}, options);
  const TrainingGraph& t = compiled.training;
  std::string out = node_decisions(t.graph);
  for (const auto& [device, plan] : plan_step_memory(t.graph, {t.loss}, t.updates))
    out += fmt::format("peak {} {} {}\n", device, plan.peak_bytes, plan.peak_node);
  std::vector<std::string> run = t.updates;
  run.push_back(t.loss);
  std::vector<std::string> names;
  for (const DeviceName& d : options.devices) names.push_back(d.str());
  for (const TransferReport& transfer : report_placement(t.graph, names, compiled.split, {}, run).transfers)
    out += fmt::format("transfer {} {} {}\n", transfer.tensor, transfer.pass, transfer.consumer);
  return out;
}

std::string inference_decisions(const std::string& file) {
  return node_decisions(compile_inference(testing::load(file, 4), compile_options_for("cpu:0", "model")).graph);
}

void check_decisions(const std::string& what, const std::string& decisions, uint64_t expected) {
  if (std::getenv("GRAPHRUN_PRINT_DECISIONS") != nullptr) std::cout << "== " << what << "\n" << decisions;
  INFO(what);
  CHECK(fmt::format("{:016x}", fnv1a(decisions)) == fmt::format("{:016x}", expected));
}

}  // namespace

TEST_CASE("pass decisions: fp32 training and inference as when the passes named their ops") {
  check_decisions("alexnet cpu:0", training_decisions("alexnet.pbtxt", "cpu:0", true), 0xddaf65a1d45aea6eull);
  check_decisions("alexnet cpu:0,cpu:1", training_decisions("alexnet.pbtxt", "cpu:0,cpu:1", true),
                  0x7f4e1e5591980cadull);
  check_decisions("alexnet cpu:0,cpu:1 unfused updates", training_decisions("alexnet.pbtxt", "cpu:0,cpu:1", false),
                  0x28b0efd460f46b0eull);
  check_decisions("vgg11 cpu:0", training_decisions("vgg11.pbtxt", "cpu:0", true), 0xdb339d35c5fd69f4ull);
  check_decisions("vgg_mini cpu:0", training_decisions("vgg_mini.pbtxt", "cpu:0", false), 0xb586e893e9dc9377ull);
  check_decisions("alexnet_mini cpu:0,cpu:1", training_decisions("alexnet_mini.pbtxt", "cpu:0,cpu:1", true),
                  0x667c8ac0e97f470full);
  check_decisions("alexnet_mini data", training_decisions("alexnet_mini.pbtxt", "cpu:0,cpu:1", true, "data"),
                  0x4ec17ed7a8268deaull);
  check_decisions("alexnet_mini data unfused updates",
                  training_decisions("alexnet_mini.pbtxt", "cpu:0,cpu:1", false, "data"), 0x357002f800bd7693ull);
  check_decisions("alexnet hybrid", training_decisions("alexnet.pbtxt", "cpu:0,cpu:1", true, "hybrid"),
                  0x7d369a7674bf3766ull);
  check_decisions("alexnet inference", inference_decisions("alexnet.pbtxt"), 0xd902be9c6245525full);
}

TEST_CASE("pass decisions: bf16 training and inference as when the passes named their ops") {
  if (!testing::bfloat16_cpu()) return;  // compiling for bf16 asks for AVX512_BF16
  testing::PrecisionScope scope(MathPrecision::kBFloat16);
  check_decisions("bf16 alexnet cpu:0", training_decisions("alexnet.pbtxt", "cpu:0", true), 0x504d646e6a5a3041ull);
  check_decisions("bf16 vgg11 cpu:0", training_decisions("vgg11.pbtxt", "cpu:0", false), 0x97b030365294b92dull);
  check_decisions("bf16 alexnet_mini cpu:0", training_decisions("alexnet_mini.pbtxt", "cpu:0", true),
                  0xd52f927444a2e1d5ull);
  check_decisions("bf16 alexnet inference", inference_decisions("alexnet.pbtxt"), 0x05bce0ac4a948cf1ull);
}

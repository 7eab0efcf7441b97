// The flow-graph executor: runs, pruning to the fetched tensors, feeds checks, and a failing
// kernel reported with its node's name.
#include <doctest/doctest.h>

#include <cmath>

#include "core/bfloat16.h"

#include "core/graph_io.h"
#include "ops/common/shape_fns.h"
#include "core/variable_parts.h"
#include "runtime/exec/executor.h"
#include "runtime/exec/non_finite.h"
#include "runtime/train/compile_training.h"
#include "tests/harness/training_harness.h"

using namespace graphrun;

namespace {

// An op whose kernel throws, to check the executor's error path.
GR_REGISTER_OP("TestThrow").doc("test only: its kernel throws").input("x").output("y").shape_fn(shape_fns::same_as_input);

template <typename T>
class ThrowKernel final : public OpKernel {
 public:
  explicit ThrowKernel(const NodeInfo&) {}
  void compute(KernelContext&) override { fail("the kernel failed on purpose"); }
};
GR_REGISTER_KERNEL(KernelBuilder("TestThrow", DeviceType::kCPU, "reference").float_types<ThrowKernel>());

Tensor vector_of(std::vector<float> values) {
  Tensor t(DType::kFloat32, Shape{1, static_cast<int64_t>(values.size())});
  std::copy(values.begin(), values.end(), t.data<float>());
  return t;
}

}  // namespace

TEST_CASE("executor: runs a graph and reuses its flow graph across runs") {
  Graph g = build_graph(parse_graph_text(R"(
    node { name: "x" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 3] } } }
    node { name: "r" op: "Relu" input: "x" }
    node { name: "s" op: "Add" input: "r" input: "x" })"));
  VariableStore vars;
  Executor ex(std::move(g), vars);
  for (int run = 0; run < 3; ++run) {
    auto out = ex.run({{"x", vector_of({-1.f, 2.f, static_cast<float>(run)})}}, {"s"});
    CHECK(out[0].data<float>()[0] == -1.f);
    CHECK(out[0].data<float>()[1] == 4.f);
    CHECK(out[0].data<float>()[2] == 2.f * run);
  }
}

TEST_CASE("executor: only the ancestors of the fetches run, so unused inputs need no feed") {
  Graph g = build_graph(parse_graph_text(R"(
    node { name: "x" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 2] } } }
    node { name: "unused" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 2] } } }
    node { name: "r" op: "Relu" input: "x" }
    node { name: "t" op: "Relu" input: "unused" })"));
  VariableStore vars;
  Executor ex(std::move(g), vars);
  CHECK(ex.run({{"x", vector_of({1.f, -1.f})}}, {"r"})[0].data<float>()[1] == 0.f);
  CHECK_THROWS_WITH(ex.run({{"x", vector_of({1.f, -1.f})}}, {"t"}),
                    "Placeholder 'unused' was not fed (it needs float32 [1,2])");
  CHECK_THROWS_WITH(ex.run({{"x", vector_of({1.f, -1.f, 3.f})}}, {"r"}),
                    "Placeholder 'x' expects float32 [1,2], was fed float32 [1,3]");
}

TEST_CASE("executor: a fed batch of another size recompiles for it") {
  Graph g = build_graph(parse_graph_text(R"(
    node { name: "x" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 2] } } }
    node { name: "r" op: "Relu" input: "x" })"));
  VariableStore vars;
  Executor ex(std::move(g), vars);
  Tensor x(DType::kFloat32, Shape{5, 2});
  for (int i = 0; i < 10; ++i) x.data<float>()[i] = static_cast<float>(i - 5);
  auto out = ex.run({{"x", x}}, {"r"});
  CHECK(out[0].shape() == Shape{5, 2});
  CHECK(out[0].data<float>()[9] == 4.f);
}

TEST_CASE("executor: an exception in a kernel stops the run and names the node") {
  Graph g = build_graph(parse_graph_text(R"(
    node { name: "x" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 2] } } }
    node { name: "bad" op: "TestThrow" input: "x" }
    node { name: "after" op: "Relu" input: "bad" })"));
  VariableStore vars;
  Executor ex(std::move(g), vars);
  CHECK_THROWS_WITH(ex.run({{"x", vector_of({1.f, 2.f})}}, {"after"}), "TestThrow 'bad': the kernel failed on purpose");
  // The executor stays usable after a failed run.
  CHECK_THROWS_WITH(ex.run({{"x", vector_of({1.f, 2.f})}}, {"after"}), "TestThrow 'bad': the kernel failed on purpose");
  CHECK(ex.run({{"x", vector_of({1.f, -2.f})}}, {"x"})[0].data<float>()[1] == -2.f);
}

TEST_CASE("executor: variables are initialized once and kept across runs") {
  Graph g = build_graph(parse_graph_text(R"(
    node { name: "w" op: "Variable" attr { name: "shape" shape { dim: [1, 3] } }
           attr { name: "init" init { constant { value: 2 } } } }
    node { name: "x" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 3] } } }
    node { name: "s" op: "Add" input: "x" input: "w" })"));
  VariableStore vars;
  Executor ex(std::move(g), vars);
  CHECK(ex.run({{"x", vector_of({1.f, 1.f, 1.f})}}, {"s"})[0].data<float>()[2] == 3.f);
  vars.at("w").data<float>()[2] = 10.f;
  CHECK(ex.run({{"x", vector_of({1.f, 1.f, 1.f})}}, {"s"})[0].data<float>()[2] == 11.f);
}

TEST_CASE("executor: releasing intermediates after their last reader changes no result and lowers the peak") {
  using testing::load;
  using testing::random_images;
  for (const auto& devices : {std::vector<DeviceName>{{DeviceType::kCPU, 0}},
                              std::vector<DeviceName>{{DeviceType::kCPU, 0}, {DeviceType::kCPU, 1}}}) {
    Graph model = load("alexnet_mini.pbtxt", 8);
    TrainingGraph tg = compile_training(model, {}, {devices, ""}).training;
    Tensor images = random_images(tg.graph.node(tg.data).outputs[0], 4), labels(DType::kInt64, Shape{8});
    for (int64_t n = 0; n < 8; ++n) labels.data<int64_t>()[n] = n % 10;
    Tensor rate(DType::kFloat32, Shape{});
    rate.data<float>()[0] = 0.01f;
    struct Outcome {
      std::vector<float> losses;
      std::vector<float> weights;
      size_t peak = 0;
    };
    auto train = [&](bool release) {
      VariableStore vars;
      Executor executor(tg.graph, vars, {.seed = 2, .release_intermediates = release});
      Outcome out;
      for (int step = 0; step < 3; ++step) {
        if (step == 1) host_allocator().reset_peak();  // after the first step's one-time allocations
        auto fetched = executor.run({{tg.data, images}, {tg.labels, labels}, {tg.learning_rate, rate}}, {tg.loss, tg.logits},
                                    true, step, tg.updates);
        out.losses.push_back(static_cast<float>(fetched[0].value_as_double(0)));
        CHECK(fetched[1].valid());  // a fetched tensor is kept to the end of the run
      }
      out.peak = host_allocator().peak_bytes();
      for (const auto& name : logical_variable_names(executor.graph(), tg.model_variables)) {
        Tensor w = vars.logical_value(executor.graph(), name);
        out.weights.insert(out.weights.end(), w.data<float>(), w.data<float>() + w.num_elements());
      }
      return out;
    };
    Outcome kept = train(false), released = train(true);
    INFO(devices.size(), " device(s): peak ", kept.peak, " bytes kept, ", released.peak, " released");
    CHECK(released.losses == kept.losses);  // bit for bit: the same kernels on the same data
    CHECK(released.weights == kept.weights);
    CHECK(released.peak < kept.peak * 9 / 10);  // training keeps the activations for backward; the rest goes
  }
}

// The --check-numerics scan (runtime/exec/non_finite.h): it tests a block at a time, so the
// element it names must still be the first one, in any block and at either end.
TEST_CASE("first_non_finite names the first NaN or Inf in float32, float64 and bfloat16") {
  const int64_t n = 3 * 4096 + 17;  // several blocks and a partial one
  auto check = [&](DType dtype, auto fill, auto special) {
    Tensor t(dtype, Shape{n});
    for (int64_t i = 0; i < n; ++i) fill(t, i, i % 2 ? 3.0e38 : -1.0e-40);  // huge and subnormal: finite
    CHECK(first_non_finite(t) == -1);
    for (int64_t at : {int64_t{0}, int64_t{4095}, int64_t{4096}, int64_t{2 * 4096 + 5}, n - 1}) {
      for (double bad : {std::nan(""), HUGE_VAL, -HUGE_VAL}) {
        special(t, at, bad);
        if (at + 7 < n) special(t, at + 7, bad);  // a later one must not win
        CAPTURE(at);
        CHECK(first_non_finite(t) == at);
        fill(t, at, 1.0);
        if (at + 7 < n) fill(t, at + 7, 1.0);
      }
    }
  };
  auto set_f32 = [](Tensor& t, int64_t i, double v) { t.data<float>()[i] = static_cast<float>(v); };
  auto set_f64 = [](Tensor& t, int64_t i, double v) { t.data<double>()[i] = v; };
  auto set_bf16 = [](Tensor& t, int64_t i, double v) {
    // bfloat16 keeps float32's exponent range: 3e38 is finite in both.
    t.data<bfloat16>()[i] = bfloat16(static_cast<float>(v));
  };
  check(DType::kFloat32, set_f32, set_f32);
  check(DType::kFloat64, set_f64, set_f64);
  check(DType::kBFloat16, set_bf16, set_bf16);
  CHECK(first_non_finite(Tensor(DType::kInt64, Shape{4})) == -1);
}

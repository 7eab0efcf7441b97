// Data parallelism and Krizhevsky's "one weird trick" (hybrid): the split pass's batch axis.
// Every layout computes the same samples with the same dropout masks as one device, so five
// training steps equal one device's (within the change of summation order), and the replicas
// of every variable stay bit-identical.
#include <doctest/doctest.h>

#include <cstring>
#include <set>

#include "core/graph_io.h"
#include "core/variable_parts.h"
#include "runtime/passes/placement_report.h"
#include "runtime/passes/split.h"
#include "runtime/train/compile_training.h"
#include "tests/harness/training_harness.h"

using namespace graphrun;
using namespace graphrun::testing;

namespace {

std::vector<DeviceName> cpus(int n) {
  std::vector<DeviceName> devices;
  for (int k = 0; k < n; ++k) devices.push_back({DeviceType::kCPU, k});
  return devices;
}

CompileOptions on(int n, Parallelism mode) {
  CompileOptions options;
  options.devices = cpus(n);
  options.parallel = mode;
  return options;
}

int count_op(const Graph& g, const std::string& op) { return static_cast<int>(g.nodes_with_op(op).size()); }

}  // namespace

TEST_CASE("data parallel: alexnet_mini on 4 devices trains five steps as on one") {
  // float64: only the order of the gradient sums differs.
  check_same_training(load_float64("alexnet_mini.pbtxt", 8), on(1, Parallelism::kModel), on(4, Parallelism::kData),
                      0.01, 1e-10);
  // float32, within 1e-4 of each layer's weight scale (1 and 2 oneDNN threads alone differ by 7e-5).
  check_same_training(load("alexnet_mini.pbtxt", 8), on(1, Parallelism::kModel), on(4, Parallelism::kData), 0.01,
                      1e-4);
}

TEST_CASE("hybrid parallel: alexnet_mini on 2 and 4 devices trains five steps as on one") {
  for (int n : {2, 4}) {
    INFO(n << " devices");
    check_same_training(load_float64("alexnet_mini.pbtxt", 8), on(1, Parallelism::kModel),
                        on(n, Parallelism::kHybrid), 0.01, 1e-10);
  }
  check_same_training(load("alexnet_mini.pbtxt", 8), on(1, Parallelism::kModel), on(4, Parallelism::kHybrid), 0.01,
                      1e-4);
}

TEST_CASE("data parallel: the replicas of every variable stay bit-identical, step after step") {
  TrainingRun run(load("alexnet_mini.pbtxt", 8), on(4, Parallelism::kData), 0.01);
  std::map<std::string, std::vector<std::string>> replicas;
  for (const Node& n : run.graph().nodes)
    if (auto part = variable_part(n); part && is_replica(*part, n.outputs[0].shape))
      replicas[part->logical].push_back(n.name);
  // Weights and momentum buffers of conv1..fc8 (alexnet_mini: 5 convs, 3 dense, with biases).
  REQUIRE(replicas.size() == 32);
  for (int step = 0; step < 3; ++step) {
    run.step();
    for (const auto& [logical, names] : replicas) {
      REQUIRE(names.size() == 4);
      const Tensor& first = run.variables().at(names[0]);
      for (const auto& name : names) {
        const Tensor& other = run.variables().at(name);
        INFO(name << " after step " << step);
        CHECK(std::memcmp(other.raw(), first.raw(), first.bytes()) == 0);
      }
    }
  }
}

TEST_CASE("data parallel: one gradient sum per variable, each replica updated on its own device") {
  CompiledTraining c = compile_training(load("alexnet_mini.pbtxt", 8), {}, on(2, Parallelism::kData));
  const Graph& g = c.training.graph;
  CHECK(count_op(g, "AddN") >= 16);
  for (const Node& n : g.nodes)
    if (n.name.ends_with("/grad_sum")) {
      INFO(n.name);
      CHECK(n.inputs.size() == 2);
    }
  // The logits are gathered for the loss; nothing else of the forward pass crosses devices but
  // the data's slices (fed on every device, cut there).
  CHECK(g.node("conv1/weight/replica_1").device == "cpu:1");
}

TEST_CASE("data parallel: DeviceAllReduce nodes (NCCL's between GPUs) sum the replicas' gradients as AddN does") {
  CompileOptions nodes = on(4, Parallelism::kData), collective = nodes;
  nodes.replica_sum = ReplicaSum::kNodes;
  collective.replica_sum = ReplicaSum::kCollective;
  CompiledTraining c = compile_training(load("alexnet_mini.pbtxt", 8), {}, collective);
  const Graph& g = c.training.graph;
  CHECK(count_op(g, "AddN") == 0);
  CHECK(count_op(g, "DeviceAllReduce") == 16 * 4);  // 8 layers' weights and biases, one node per device
  const Node& reduce = g.node("conv1/weight/grad_all_reduce_2");
  CHECK(reduce.device == "cpu:2");
  CHECK(reduce.attrs.i("replica") == 2);
  CHECK(reduce.attrs.i("replicas") == 4);
  // Each device gets the sum from its own node: no variable's gradient or sum is sent (the loss's
  // gradient still goes back to every device's share of the logits).
  std::set<int> gradients;  // the replicas' gradients and their sums
  for (int i : g.nodes_with_op("DeviceAllReduce")) gradients.insert({i, g.nodes[i].inputs[0].node});
  for (int i : g.nodes_with_op("Send")) {
    INFO(g.nodes[i].name);
    CHECK(!gradients.count(g.nodes[i].inputs[0].node));
  }
  CHECK(count_op(compile_training(load("alexnet_mini.pbtxt", 8), {}, nodes).training.graph, "Send") >=
        count_op(g, "Send") + 16 * 3);
  // place's report: each device sends 2 (N - 1) / N of each gradient to the next in NCCL's ring.
  std::vector<std::string> run = c.training.updates;
  run.push_back(c.training.loss);
  PlacementReport report = report_placement(g, {"cpu:0", "cpu:1", "cpu:2", "cpu:3"}, c.split,
                                            {c.training.gradient_of, c.training.forward_of}, run);
  int rings = 0;
  for (const TransferReport& t : report.transfers)
    if (t.gradient_of == "conv1/weight") {
      ++rings;
      CHECK(t.bytes == 2 * 3 * g.node("conv1/weight/replica_0").outputs[0].shape.num_elements() * 4 / 4);
      CHECK(t.to == fmt::format("cpu:{}", (t.from.back() - '0' + 1) % 4));
      CHECK(t.pass == "backward");
    }
  CHECK(rings == 4);
  // The reference kernel adds the replicas in device order, as AddN: the same weights bit for bit.
  check_same_training(load("alexnet_mini.pbtxt", 8), nodes, collective, 0.01, 0.0);
  check_same_training(load_float64("alexnet_mini.pbtxt", 8), nodes, collective, 0.01, 0.0);
  // On CPUs the default keeps AddN; GPUs on distinct cards get DeviceAllReduce when NCCL is built.
  CHECK(count_op(compile_training(load("alexnet_mini.pbtxt", 8), {}, on(2, Parallelism::kData)).training.graph,
                 "DeviceAllReduce") == 0);
}

TEST_CASE("hybrid parallel: convolutions data-parallel, fully connected layers split in features") {
  Graph model = load("alexnet.pbtxt", 4);
  CompileOptions options = on(2, Parallelism::kHybrid);
  options.fuse_activations = false;  // conv1's parts keep their names
  CompiledGraph c = compile_inference(model, options);
  const Graph& g = c.graph;
  CHECK(g.find("conv1/weight/replica_0") >= 0);
  CHECK(g.find("conv1/weight/replica_1") >= 0);
  CHECK(g.find("fc6/weight/part_0") >= 0);
  CHECK(g.find("fc6/weight/part_1") >= 0);
  CHECK(g.find("fc6/weight/replica_0") < 0);
  CHECK(g.node("conv1/part_1").outputs[0].shape[0] == 2);  // half the batch
  CHECK(g.node("fc6/part_1").outputs[0].shape == Shape{4, 2048});  // the whole batch, half the features
}

TEST_CASE("parallel: the paper's AlexNet in the three modes on two devices trains as on one") {
  Graph model = load("alexnet.pbtxt", 4);
  for (Parallelism mode : {Parallelism::kModel, Parallelism::kData, Parallelism::kHybrid}) {
    INFO("--parallel " << to_string(mode));
    check_same_training(model, on(1, Parallelism::kModel), on(2, mode), 0.001, 1e-4);
  }
}

TEST_CASE("parallel: a batch the devices cannot share, a graph without FC layers, a layer without a batch rule") {
  CHECK_THROWS_WITH(compile_inference(load("alexnet_mini.pbtxt", 6), on(4, Parallelism::kData)),
                    doctest::Contains("--parallel data: the batch of 6 samples does not divide among 4 devices"));
  CHECK_THROWS_WITH(compile_inference(load("alexnet_mini.pbtxt", 2), on(4, Parallelism::kHybrid)),
                    doctest::Contains("--parallel hybrid: 4 devices but a batch of only 2 samples"));
  Graph convs = build_graph(parse_graph_text(R"(
    name: "convs"
    node { name: "data" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 1, 8, 8] } } }
    node { name: "conv" op: "Conv2D" input: "data" attr { name: "filters" i: 4 } attr { name: "kernel" i: 3 } }
  )"), {.batch_size = 4});
  CHECK_THROWS_WITH(compile_inference(convs, on(2, Parallelism::kHybrid)),
                    doctest::Contains("graph 'convs' has no fully connected layer (Dense)"));
  Graph reshaped = build_graph(parse_graph_text(R"(
    name: "reshaped"
    node { name: "data" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 1, 8, 8] } } }
    node { name: "conv" op: "Conv2D" input: "data" attr { name: "filters" i: 4 } attr { name: "kernel" i: 3 } }
    node { name: "flat" op: "Reshape" input: "conv" attr { name: "shape" shape { dim: [4, 144] } } }
    node { name: "fc" op: "Dense" input: "flat" attr { name: "units" i: 10 } }
  )"), {.batch_size = 4});
  CHECK_THROWS_WITH(compile_inference(reshaped, on(2, Parallelism::kData)),
                    doctest::Contains("--parallel data: Reshape 'flat' cannot run on each device's share of the "
                                      "batch: its op has no split rule"));
  CHECK_THROWS_WITH(parse_parallelism("pipeline"), doctest::Contains("unknown parallelism 'pipeline'"));
}

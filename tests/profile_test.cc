// Node timings (ExecutorOptions::profile) and what bench --profile / --trace make of them.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <set>

#include <fmt/format.h>

#include "core/graph_io.h"

#include "runtime/devices/cpu_peak.h"
#include "runtime/exec/executor.h"
#include "runtime/exec/profile.h"
#include "runtime/train/compile_training.h"
#include "tests/harness/training_harness.h"

using namespace graphrun;

TEST_CASE("profile: every node of a training step is timed, after the nodes it depends on, on one and two devices") {
  for (const auto& devices : {std::vector<DeviceName>{{DeviceType::kCPU, 0}},
                              std::vector<DeviceName>{{DeviceType::kCPU, 0}, {DeviceType::kCPU, 1}}}) {
    Graph model = testing::load("alexnet_mini.pbtxt", 4);
    TrainingGraph tg = compile_training(model, {}, {devices, ""}).training;
    Tensor images = testing::random_images(tg.graph.node(tg.data).outputs[0], 1), labels(DType::kInt64, Shape{4});
    for (int64_t n = 0; n < 4; ++n) labels.data<int64_t>()[n] = n;
    Tensor rate(DType::kFloat32, Shape{});
    rate.data<float>()[0] = 0.01f;
    VariableStore vars;
    Executor executor(tg.graph, vars, {.profile = true});
    std::vector<std::string> node_devices;
    for (const Node& node : executor.graph().nodes) node_devices.push_back(executor.device_of(node.name).str());
    Profile profile(executor.graph(), node_devices);
    size_t ran = 0;
    for (int step = 0; step < 2; ++step) {
      executor.run({{tg.data, images}, {tg.labels, labels}, {tg.learning_rate, rate}}, {tg.loss}, true, step, tg.updates);
      const std::vector<NodeTiming>& timings = executor.last_run_profile();
      const Graph& g = executor.graph();
      std::map<int, NodeTiming> by_node;
      for (const NodeTiming& t : timings) {
        CHECK(t.end_us >= t.start_us);
        CHECK(by_node.emplace(t.node, t).second);  // each node once
      }
      // Exactly the ancestors of the loss and the updates ran.
      std::vector<int> targets{g.index(tg.loss)};
      for (const auto& update : tg.updates) targets.push_back(g.index(update));
      std::vector<bool> needed = g.ancestors_of_nodes(targets);
      ran = 0;
      for (size_t i = 0; i < g.nodes.size(); ++i) {
        CHECK(by_node.contains(static_cast<int>(i)) == needed[i]);
        ran += needed[i] ? 1 : 0;
      }
      for (const auto& [node, t] : by_node) {
        for (const auto& ref : g.nodes[node].inputs) CHECK(t.start_us >= by_node.at(ref.node).end_us);
        for (int control : g.nodes[node].control_inputs) CHECK(t.start_us >= by_node.at(control).end_us);
      }
      for (size_t k = 1; k < timings.size(); ++k) CHECK(timings[k].start_us >= timings[k - 1].start_us);
      profile.add_run(timings);
    }
    CHECK(profile.runs() == 2);
    CHECK(profile.node_ms_per_run() > 0);
    std::string table = profile.table(5);
    CHECK(table.find("Conv2DBackpropFilter") != std::string::npos);
    nlohmann::json trace = nlohmann::json::parse(profile.chrome_trace());
    std::set<std::string> processes;
    size_t complete = 0;
    for (const auto& e : trace["traceEvents"]) {
      if (e["ph"] == "M") processes.insert(e["args"]["name"].get<std::string>());
      if (e["ph"] != "X") continue;
      ++complete;
      CHECK(e["ts"].get<double>() >= 0);
    }
    CHECK(processes.size() == devices.size());
    CHECK(complete == 2 * ran);
  }
  // Off by default: nothing is recorded.
  Graph model = testing::load("alexnet_mini.pbtxt", 2);
  VariableStore vars;
  Executor executor(model, vars);
  executor.run({{"data", testing::random_images(model.node("data").outputs[0], 1)}}, {"fc8"});
  CHECK(executor.last_run_profile().empty());
}

TEST_CASE("profile: the table's shares are of node time, by op and by node") {
  Graph g = build_graph(parse_graph_text(R"(
    node { name: "x" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 3] } } }
    node { name: "a" op: "Relu" input: "x" }
    node { name: "b" op: "Relu" input: "a" }
    node { name: "c" op: "Add" input: "a" input: "b" })"));
  Profile profile(g, {"cpu:0", "cpu:0", "cpu:1", "cpu:1"});
  // Two runs: Relu takes 1 + 3 ms and Add 4 ms each run.
  for (int run = 0; run < 2; ++run) {
    double t0 = run * 1e5;
    profile.add_run({{1, 0, t0, t0 + 1000}, {2, 1, t0 + 1000, t0 + 4000}, {3, 0, t0 + 4000, t0 + 8000}});
  }
  CHECK(profile.node_ms_per_run() == doctest::Approx(8.0));
  std::string table = profile.table(2);
  INFO(table);
  CHECK(table.find("Relu                                4.000   50.0%      2") != std::string::npos);
  CHECK(table.find("Add                                 4.000   50.0%      1") != std::string::npos);
  CHECK(table.find("c                                   4.000   50.0%  Add") != std::string::npos);
  CHECK(table.find("\n  a ") == std::string::npos);  // only the top 2 nodes
  nlohmann::json trace = nlohmann::json::parse(profile.chrome_trace());
  auto events = trace["traceEvents"];
  CHECK(events.size() == 2 + 6);
  CHECK(events[2]["ts"] == 0.0);  // the trace starts at its first node
  CHECK(events[2]["dur"] == 1000.0);
  CHECK(events.back()["ts"] == 1e5 + 4000);
  CHECK(events.back()["pid"] == 1);  // cpu:1
  CHECK_THROWS(profile.add_run({{7, 0, 0, 1}}));
}

TEST_CASE("profile: GFLOP/s by op type and for the step, from the ops' costs and the node times") {
  Graph g = build_graph(parse_graph_text(R"(
    node { name: "x" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 1000] } } }
    node { name: "w" op: "Variable" attr { name: "shape" shape { dim: [500, 1000] } } }
    node { name: "d" op: "Dense" input: "x" input: "w" attr { name: "units" i: 500 } attr { name: "use_bias" b: false } }
    node { name: "r" op: "Relu" input: "d" })"),
                        {.batch_size = 8});
  const int w = g.index("w"), d = g.index("d"), r = g.index("r");
  // Dense's cost: a multiply-add per (sample, input, unit) counts 2.
  REQUIRE(g.node("d").cost.flops == 2.0 * 8 * 1000 * 500);
  const double dense_flops = 8e6, relu_flops = g.node("r").cost.flops;
  Profile profile(g, {"cpu:0", "cpu:0", "cpu:0", "cpu:0"});
  // Dense takes 2 ms, then 4 ms; Relu 0.5 ms after it each time; in the second run the Variable
  // runs 0.5 ms first, so the runs' walls are 2.5 and 5 ms.
  profile.add_run({{d, 0, 0, 2000}, {r, 0, 2000, 2500}});
  profile.add_run({{w, 1, 1e5, 1e5 + 500}, {d, 0, 1e5 + 500, 1e5 + 4500}, {r, 0, 1e5 + 4500, 1e5 + 5000}});
  CHECK(profile.step_ms_per_run() == doctest::Approx(3.75));
  CHECK(profile.flops_per_run() == doctest::Approx(dense_flops + relu_flops));
  const double step = (dense_flops + relu_flops) / 3.75e-3 / 1e9;
  CHECK(profile.step_gflops() == doctest::Approx(step));
  std::vector<Profile::OpType> ops = profile.op_types();
  REQUIRE(ops.size() == 3);
  CHECK(ops[0].op == "Dense");
  CHECK(ops[0].ms_per_run == doctest::Approx(3.0));
  CHECK(ops[0].gflops() == doctest::Approx(dense_flops / 3e-3 / 1e9));  // 2.67
  CHECK(ops[1].op == "Relu");
  CHECK(ops[1].ms_per_run == doctest::Approx(0.5));
  CHECK(ops[2].op == "Variable");  // ran once in two runs: half of 0.5 ms a run, and no FLOPs
  CHECK(ops[2].ms_per_run == doctest::Approx(0.25));
  CHECK(ops[2].gflops() == 0);
  std::string table = profile.table(3, /*peak_gflops=*/10);
  INFO(table);
  CHECK(table.find(fmt::format("{:.1f} GFLOP/s, {:.1f}% of the fp32 peak (10.0 GFLOP/s)", step, 10 * step)) !=
        std::string::npos);
  CHECK(table.find("Dense                               3.000   80.0%      1       2.7") != std::string::npos);
  CHECK(table.find("Variable                            0.250    6.7%      1         -") != std::string::npos);
  CHECK(profile.table(3).find("of the fp32 peak") == std::string::npos);  // no peak, no share
}

TEST_CASE("cpu peak: the register-only loop measures a positive rate on each thread asked for") {
  if (!cpu_supports(PeakKind::kFloat32Fma)) {
    CHECK_THROWS_WITH(measure_peak(PeakKind::kFloat32Fma, 1, 0.02), doctest::Contains("AVX-512F"));
    return;
  }
  PeakMeasurement peak = measure_peak(PeakKind::kFloat32Fma, 2, 0.02);
  CHECK(peak.gflops > 0);
  CHECK(peak.threads == 2);
  CHECK(peak.isa == "avx512f");
  CHECK_THROWS_WITH(measure_peak(PeakKind::kFloat32Fma, 0, 0.02), doctest::Contains("at least 1"));
  if (!cpu_supports(PeakKind::kBFloat16Dot))
    CHECK_THROWS_WITH(measure_peak(PeakKind::kBFloat16Dot, 1, 0.02), doctest::Contains("AVX512_BF16"));
}

TEST_CASE("memory bandwidth: a positive read rate, below what the cores could load from their caches") {
  const double gbs = measure_read_bandwidth(1, 0.02);
  CHECK(gbs > 0.1);
  // One thread's four 8-byte loads a cycle at 5 GHz at most: 160 GB/s; DRAM is far below that.
  CHECK(gbs < 160);
  CHECK_THROWS_WITH(measure_read_bandwidth(0, 0.02), doctest::Contains("at least 1"));
}

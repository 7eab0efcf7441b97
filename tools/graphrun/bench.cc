// graphrun bench GRAPH: forward passes after warm-up; median time per step and images per
// second. A benchmark, not a test: tools/bench/ runs it beside the PyTorch peer in one run.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>

#include <sys/resource.h>

#include "core/graph_io.h"
#include "core/precision.h"
#include "runtime/devices/cpu_peak.h"
#include "runtime/distributed/rank_training.h"
#include "runtime/exec/executor.h"
#include "runtime/exec/profile.h"
#include "runtime/passes/memory_plan.h"
#include "runtime/passes/placement.h"
#include "runtime/train/compile_training.h"
#include "tools/graphrun/cli_common.h"

namespace graphrun::cli {

namespace {

struct BenchArgs {
  std::string graph;
  int64_t batch_size = 16;
  int steps = 10;
  int warmup = 2;
  std::string devices = "cpu:0", parallel = "model";
  bool json = false;
  bool train = false;
  bool keep_intermediates = false;
  bool profile = false;
  int top = 15;
  double peak_gflops = 0;  // 0: measured at start when profiling
  std::string trace;
  double comm_timeout = 60;
  double bucket_mb = 25;
  std::string layouts = "blocked";
  std::string fusion = "on";
};

// What one timed step runs: a forward pass, or a whole training step (forward, backward and
// the SGD updates, dropout on) on random images and labels.
struct Step {
  std::map<std::string, Tensor> feeds;
  std::vector<std::string> fetches, targets;
  bool training = false;
  std::map<std::string, DeviceMemoryPlan> memory_plan;  // by device
};

// Plans the step's memory and fails before the batch is made when it cannot fit its devices'.
void plan_step(const Graph& compiled, Step& step, int64_t batch, const std::string& first_device) {
  step.memory_plan = plan_step_memory(compiled, step.fetches, step.targets, first_device);
  check_memory_fits(step.memory_plan,
                    fmt::format("a {} step of '{}' at batch {}", step.training ? "training" : "forward", compiled.name, batch));
}

Step make_step(Graph& graph, bool train, const std::string& devices, const std::string& parallel,
               const RankExchange& ranks, bool blocked_layouts, bool fuse_activations) {
  Step step;
  const std::string first_device = parse_device_list(devices).front().str();
  CompileOptions options = compile_options_for(devices, parallel);
  options.blocked_layouts = blocked_layouts;
  options.fuse_activations = fuse_activations;
  if (!train) {
    step.fetches = default_fetches(graph);
    Graph compiled = compile_inference(graph, options).graph;
    plan_step(compiled, step, graph.batch_size, first_device);
    step.feeds = random_feeds(graph, 1);
    graph = std::move(compiled);
    return step;
  }
  options.ranks = ranks;
  TrainingGraph t = compile_training(graph, {}, options).training;
  step.fetches = {t.loss};
  step.targets = t.updates;
  step.training = true;
  plan_step(t.graph, step, graph.batch_size, first_device);
  int64_t classes = t.graph.info(t.graph.resolve(t.logits)).shape[1];
  step.feeds[t.data] = random_tensor(t.graph.node(t.data).outputs[0], 1);
  step.feeds[t.labels] = random_tensor(t.graph.node(t.labels).outputs[0], 2, classes);
  Tensor lr(DType::kFloat32, Shape{});
  lr.data<float>()[0] = 0.001f;
  step.feeds[t.learning_rate] = lr;
  graph = std::move(t.graph);
  return step;
}

// FLOPs of the nodes a step runs (their ops' cost functions), as the profile counts them.
double step_flops(const Graph& graph, const Step& step) {
  std::vector<std::string> ran = step.fetches;
  ran.insert(ran.end(), step.targets.begin(), step.targets.end());
  std::vector<bool> runs = graph.ancestors_of(ran);
  double flops = 0;
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    if (runs[i]) flops += graph.nodes[i].cost.flops;
  return flops;
}

double max_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

// As the PyTorch peers do, the batch lives on the first device before the timing starts: the
// bench measures the model's step, not the upload (`graphrun train` measures the whole pipeline).
void keep_feeds_on(Device& device, std::map<std::string, Tensor>& feeds) {
  if (device.allocator().on_host()) return;
  for (auto& [name, tensor] : feeds) {
    Tensor resident(tensor.dtype(), tensor.shape(), device.allocator());
    resident.copy_from(tensor);
    tensor = std::move(resident);
  }
}

// Peak bytes in use per device that is not host memory (GPUs), since the last reset.
std::vector<std::pair<std::string, double>> device_peaks_mib(const std::vector<DeviceName>& devices) {
  std::vector<std::pair<std::string, double>> peaks;
  for (const DeviceName& name : devices) {
    Allocator& allocator = get_device(name).allocator();
    if (!allocator.on_host()) peaks.emplace_back(name.str(), static_cast<double>(allocator.peak_bytes()) / (1 << 20));
  }
  return peaks;
}

// Of the time the gradient buckets' all-reduces were under way (each from its gradients' arrival
// to its result), the share during which some other node was computing: communication hidden
// behind the backward pass.
double hidden_share(const Graph& graph, const std::vector<NodeTiming>& timings) {
  std::vector<std::pair<double, double>> compute, comm;
  for (const NodeTiming& t : timings) {
    if (t.node < 0 || t.end_us <= t.start_us) continue;
    (graph.nodes[t.node].op == "AllReduce" ? comm : compute).emplace_back(t.start_us, t.end_us);
  }
  std::sort(compute.begin(), compute.end());
  std::vector<std::pair<double, double>> busy;  // the union of the compute intervals
  for (const auto& iv : compute) {
    if (!busy.empty() && iv.first <= busy.back().second) busy.back().second = std::max(busy.back().second, iv.second);
    else busy.push_back(iv);
  }
  double total = 0, hidden = 0;
  for (const auto& [a, b] : comm) {
    total += b - a;
    for (const auto& [c, d] : busy) hidden += std::max(0.0, std::min(b, d) - std::max(a, c));
  }
  return total > 0 ? hidden / total : 0;
}

void bench(const BenchArgs& args) {
  if (args.steps < 1) fail("--steps must be at least 1");
  // Under mpirun: --batch-size is the global batch, each rank times its share of it.
  Ranks ranks = join_ranks(args.comm_timeout, args.devices);
  // Measured first, while no kernel's OpenMP threads are spinning on the cores.
  double peak_gflops = args.peak_gflops;
  if (args.profile && peak_gflops <= 0 && !cpu_supports(PeakKind::kFloat32Fma)) {
    if (ranks.leader()) fmt::print(stderr, "fp32 peak: not measured (the loop needs AVX-512F); --peak-gflops sets it\n");
  } else if (args.profile && peak_gflops <= 0) {
    PeakMeasurement peak = measure_fp32_peak_quickly();
    peak_gflops = peak.gflops;
    if (ranks.leader())
      fmt::print(stderr, "fp32 peak: {:.1f} GFLOP/s ({} on {} threads, measured now; --peak-gflops sets it)\n",
                 peak.gflops, peak.isa, peak.threads);
  }
  Graph graph = load_graph_for(args.graph, rank_batch(ranks, args.batch_size));
  Step step = make_step(graph, args.train, args.devices, args.parallel,
                        {ranks.size, static_cast<int64_t>(args.bucket_mb * (1 << 20))}, args.layouts == "blocked",
                        args.fusion == "on");
  std::vector<DeviceName> devices = parse_device_list(args.devices);
  keep_feeds_on(get_device(devices.front()), step.feeds);
  VariableStore variables;
  const bool profiling = args.profile || !args.trace.empty();
  Executor executor(std::move(graph), variables,
                    {.release_intermediates = !args.keep_intermediates, .profile = profiling});
  std::vector<std::string> node_devices;
  for (const Node& node : executor.graph().nodes) node_devices.push_back(executor.device_of(node.name).str());
  Profile profile(executor.graph(), node_devices);
  auto run_step = [&](int64_t i) { executor.run(step.feeds, step.fetches, step.training, i, step.targets); };
  for (int i = 0; i < args.warmup; ++i) run_step(i);
  // The device peak counts the timed steps only, as torch.cuda.reset_peak_memory_stats() after
  // the peer's warm-up does (the parameters and the resident batch are in use throughout).
  for (const DeviceName& name : devices) get_device(name).allocator().reset_peak();

  std::vector<double> ms;
  double hidden = 0;
  Communicator::BucketStats before = ranks.many() ? ranks.comm->bucket_stats() : Communicator::BucketStats{};
  const bool speak = !args.json && ranks.leader();
  for (int i = 0; i < args.steps; ++i) {
    auto start = std::chrono::steady_clock::now();
    run_step(args.warmup + i);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    if (profiling) profile.add_run(executor.last_run_profile());
    if (profiling) hidden += hidden_share(executor.graph(), executor.last_run_profile()) / args.steps;
    if (speak) fmt::print(stderr, "\rstep {}/{}: {:.1f} ms", i + 1, args.steps, ms.back());
  }
  if (speak) fmt::print(stderr, "\n");
  if (ranks.many()) {
    Communicator::BucketStats after = ranks.comm->bucket_stats();
    double bytes = static_cast<double>(after.bytes - before.bytes) / args.steps;
    double seconds = (after.seconds - before.seconds) / args.steps;
    // The yardsticks, with nothing else running: one plain blocking MPI_Allreduce of the step's
    // bytes, and the same buckets through graphrun's exchange.
    std::vector<int64_t> counts;
    for (const Node& node : executor.graph().nodes)
      if (node.op == "AllReduce") {
        int64_t count = 0;
        for (const auto& out : node.outputs) count += out.shape.num_elements();
        counts.push_back(count);
      }
    double plain = INFINITY, alone = INFINITY;  // the best of three each, interleaved
    for (int k = 0; k < 3; ++k) {
      plain = std::min(plain, ranks.comm->time_plain_all_reduce(static_cast<int64_t>(bytes / 4)));
      alone = std::min(alone, ranks.comm->time_bucketed_all_reduce(counts));
    }
    if (ranks.leader()) {
      fmt::print("gradient exchange on {} ranks: {:.1f} MB per step in {} buckets\n"
                 "  alone: graphrun's exchange {:.3f} s ({:.2f} GB/s), a plain MPI_Allreduce of the same bytes {:.3f} s "
                 "({:.2f} GB/s): {:.0f}% of MPI's bandwidth\n"
                 "  in the step: {:.3f} s from each bucket's start in MPI to its end, sharing the cores with the backward "
                 "pass\n",
                 ranks.size, bytes / 1e6, counts.size(), alone, bytes / alone / 1e9, plain, bytes / plain / 1e9,
                 100 * plain / alone, seconds);
      if (profiling)
        fmt::print("communication hidden behind computation (rank 0): {:.0f}% of the all-reduces' time\n", 100 * hidden);
    }
  }
  if (!ranks.leader()) {  // rank 0 reports; the others write their traces only
    if (!args.trace.empty())
      write_file_atomically(fmt::format("{}.rank{}", args.trace, ranks.rank), profile.chrome_trace());
    return;
  }
  std::sort(ms.begin(), ms.end());
  double median = ms[ms.size() / 2];
  double img_s = static_cast<double>(args.batch_size) / (median / 1000.0);  // the global batch
  double gflop = step_flops(executor.graph(), step) / 1e9 * ranks.size;  // the whole job's step
  double peak_mib = static_cast<double>(host_allocator().peak_bytes()) / (1 << 20);
  // The plan's peak over every device, to set beside the measured one.
  double planned_mib = 0;
  for (const auto& [device, plan] : step.memory_plan) planned_mib += plan.peak_bytes / (1 << 20);
  auto device_peaks = device_peaks_mib(devices);
  double device_peak_mib = 0;
  for (const auto& [name, mib] : device_peaks) device_peak_mib += mib;
  const char* mode = args.train ? "train" : "infer";
  if (args.json) {
    nlohmann::ordered_json out = {{"peer", "graphrun-" GRAPHRUN_VERSION}, {"mode", mode}, {"graph", executor.graph().name},
                                  {"devices", args.devices}, {"parallel", args.parallel}, {"precision", to_string(math_precision())},
                                  {"layouts", args.layouts}, {"fusion", args.fusion}, {"batch", args.batch_size}, {"steps", args.steps},
                                  {"ms_per_step", std::round(median * 10) / 10}, {"img_s", std::round(img_s * 100) / 100},
                                  {"gflop_per_image", gflop / static_cast<double>(args.batch_size)},
                                  {"gflop_s", std::round(gflop / median * 1e4) / 10},
                                  {"peak_tensor_mib", std::round(peak_mib)}, {"planned_peak_mib", std::round(planned_mib)},
                                  {"max_rss_mib", std::round(max_rss_mib())}};
    if (profiling) out["profiled"] = true;  // GPU nodes ran serialized: not a throughput figure
    if (!device_peaks.empty()) {
      out["peak_device_mib"] = std::round(device_peak_mib);  // summed over the logical GPUs
      for (const auto& [name, mib] : device_peaks) out["peak_mib_" + name] = std::round(mib);
    }
    std::cout << out.dump() << "\n";
  } else {
    fmt::print("{} {}: batch {}, {} steps: median {:.1f} ms/step, {:.2f} img/s, {:.1f} GFLOP/s (min {:.1f} ms, max "
               "{:.1f} ms), peak tensor memory {:.0f} MiB (planned {:.0f} MiB), max RSS {:.0f} MiB\n",
               executor.graph().name, mode, args.batch_size, args.steps, median, img_s, gflop / median * 1e3, ms.front(),
               ms.back(), peak_mib, planned_mib, max_rss_mib());
    for (const auto& [name, mib] : device_peaks) fmt::print("  {}: peak device memory in use {:.0f} MiB\n", name, mib);
  }
  if (args.profile) fmt::print("{}", profile.table(args.top, peak_gflops));
  if (!args.trace.empty()) {
    write_file_atomically(args.trace, profile.chrome_trace());
    fmt::print(stderr, "wrote {}: the timed steps' nodes per device and thread (open in ui.perfetto.dev or chrome://tracing)\n",
               args.trace);
  }
}

}  // namespace

void add_bench(CLI::App& app) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App* sub = app.add_subcommand("bench", "Time forward passes (or --train steps): median ms per step and img/s");
  sub->add_option("graph", args->graph, "graph file (.pbtxt, .pb or .onnx)")->required();
  sub->add_option("--batch-size", args->batch_size, "batch size")->capture_default_str();
  sub->add_option("--steps", args->steps, "timed steps")->capture_default_str();
  sub->add_option("--warmup", args->warmup, "untimed steps first")->capture_default_str();
  add_devices_option(sub, args->devices, args->parallel);
  add_precision_option(sub);
  sub->add_flag("--json", args->json, "one JSON line, as the PyTorch peer scripts print");
  sub->add_flag("--train", args->train, "time training steps (forward, backward, SGD update) instead of inference");
  sub->add_flag("--keep-intermediates", args->keep_intermediates,
                "keep every tensor of the step allocated from run to run (what the peak would be without freeing)");
  sub->add_flag("--profile", args->profile,
                "time every node: ms per step by op type and the slowest nodes (GPU nodes then run one at a time)");
  sub->add_option("--top", args->top, "slowest nodes --profile lists")->capture_default_str();
  sub->add_option("--comm-timeout", args->comm_timeout, "ranks (mpirun): seconds a collective waits for the others")
      ->capture_default_str();
  sub->add_option("--bucket-mb", args->bucket_mb, "ranks (mpirun): gradient bucket size in MB")->capture_default_str();
  CLI::Option* peak = sub->add_option("--peak-gflops", args->peak_gflops,
                  "the fp32 peak --profile divides by, GFLOP/s (default: measured at start, about 0.1 s; "
                  "build/peak_flops measures it longer)");
  sub->add_option("--layouts", args->layouts,
                  "CPU activations between oneDNN kernels: blocked (oneDNN's nChw16c kept between them, the default) or "
                  "plain (NCHW, each kernel reorders its own: the before of a before-and-after)")
      ->check(CLI::IsMember({"blocked", "plain"}))
      ->capture_default_str();
  sub->add_option("--fusion", args->fusion,
                  "CPU Conv2D and the Relu after it: one oneDNN kernel with the ReLU as a post-op (on, the default) or two "
                  "(off: the before of a before-and-after)")
      ->check(CLI::IsMember({"on", "off"}))
      ->capture_default_str();
  sub->add_option("--trace", args->trace, "write the timed steps as a Chrome trace (JSON) of every node per device and thread");
  sub->callback([args, peak] {
    if (peak->count() > 0) check_above_zero("--peak-gflops", args->peak_gflops);
    check_at_least("--batch-size", args->batch_size, 1);
    check_at_least("--steps", args->steps, 1);
    check_at_least("--warmup", args->warmup, 0);
    check_at_least("--top", args->top, 1);
    check_above_zero("--comm-timeout", args->comm_timeout);
    check_above_zero("--bucket-mb", args->bucket_mb);
    bench(*args);
  });
}

}  // namespace graphrun::cli

#include "runtime/exec/executor.h"

#include <oneapi/tbb/flow_graph.h>

#include <algorithm>
#include <atomic>
#include <cmath>

#include "core/error.h"
#include "core/rendezvous.h"
#include "runtime/exec/non_finite.h"
#include "runtime/passes/placement.h"

namespace graphrun {

namespace flow = oneapi::tbb::flow;
using AsyncNode = flow::async_node<flow::continue_msg, flow::continue_msg>;

struct Executor::AsyncGateway {
  AsyncNode::gateway_type& gateway;
};

struct Executor::Plan {
  std::vector<int> nodes;  // ancestors of the fetches, topological order
  std::vector<Device*> streamed;  // devices with asynchronous streams (GPUs) that nodes run on
  flow::graph graph;
  flow::broadcast_node<flow::continue_msg> start{graph};
  std::vector<std::unique_ptr<flow::continue_node<flow::continue_msg>>> flow_nodes;
  // Asynchronous kernels (OpKernel::asynchronous): each an async_node behind a join.
  std::vector<std::unique_ptr<AsyncNode>> async_nodes;
  std::vector<int> async;                                   // their graph nodes
  std::vector<flow::sender<flow::continue_msg>*> senders;  // by graph node: what its successors follow
  // Control edges from a node on a GPU to a node on another device: the flow graph orders the
  // two nodes' enqueueing only, so the producer records an event on its stream (events[node])
  // and the consumer's device waits for it (a GPU stream on the device, the CPU on the host).
  // Data edges between devices are Send/Recv pairs already (runtime/passes/partition.h).
  std::vector<bool> records_event;               // by graph node
  std::vector<std::vector<int>> waits_for;       // by graph node: control producers to wait for
  std::vector<std::shared_ptr<Event>> events;    // by graph node, set during a run
  // Releasing outputs (ExecutorOptions::release_intermediates). A slot is one output of one node:
  // slot_base[node] + k. `uses` counts the plan's nodes reading the slot (0: none, -1: never
  // released: fetched, a Send's output that another device's stream reads, or releasing off);
  // `remaining` counts down during a run and the node that takes it to 0 releases it.
  std::vector<int> slot_base;                       // by graph node
  std::vector<std::pair<int, int>> slot_output;     // by slot: (node, output)
  std::vector<int> uses;                            // by slot
  std::unique_ptr<std::atomic<int>[]> remaining;    // by slot
  std::vector<std::vector<int>> reads;              // by graph node: slots it counts down
  std::vector<std::vector<int>> unread;             // by graph node: its outputs nobody reads
  std::vector<NodeTiming> timings;                  // by graph node (ExecutorOptions::profile)
  // Set by the bodies during a run.
  const RunState* run = nullptr;
  std::atomic<bool> failed{false};
  std::vector<char> is_target;   // by graph node: one of the run's targets
  std::atomic<int> targets_done{0};
  bool non_finite = false;       // the failure was a NaN or Inf (written with `error`)
  std::mutex error_mutex;
  std::string error;
};

namespace {

// Host threads numbered in order of first use: short, stable row ids for a trace.
int thread_index() {
  static std::atomic<int> next{0};
  thread_local const int index = next.fetch_add(1);
  return index;
}

// A node's output holds NaN or Inf (ExecutorOptions::check_numerics, check_numerics_nodes).
struct NonFiniteError : Error {
  using Error::Error;
};

void check_finite(const std::vector<Tensor>& outputs) {
  for (size_t k = 0; k < outputs.size(); ++k) {
    const DType dtype = outputs[k].valid() ? outputs[k].dtype() : DType::kInvalid;
    if (!is_floating(dtype) && dtype != DType::kBFloat16) continue;
    const Tensor t = outputs[k].to_host();  // a GPU output: waits for its stream (debug mode only)
    const int64_t bad = first_non_finite(t);
    if (bad >= 0)
      throw NonFiniteError(fmt::format("produced {} in output {} (element {} of {}) [check-numerics]",
                                       std::isnan(t.value_as_double(bad)) ? "NaN" : "Inf", k, bad, t.shape().str()));
  }
}

}  // namespace

Executor::Executor(Graph graph, VariableStore& variables, ExecutorOptions options)
    : graph_(std::move(graph)), variables_(variables), options_(std::move(options)) {
  scanned_.assign(graph_.nodes.size(), 0);
  for (const std::string& name : options_.check_numerics_nodes) scanned_[graph_.index(name)] = 1;
  variables_.initialize(graph_, options_.seed);
  create_kernels();
}

Executor::~Executor() = default;

void Executor::create_kernels() {
  size_t n = graph_.nodes.size();
  infos_.assign(n, {});
  kernel_defs_.assign(n, nullptr);
  kernels_.clear();
  kernels_.resize(n);
  outputs_.assign(n, {});
  for (size_t i = 0; i < n; ++i) {
    const Node& node = graph_.nodes[i];
    NodeInfo& info = infos_[i];
    info = make_node_info(graph_, static_cast<int>(i), parse_device_name(options_.device));
    kernel_defs_[i] = &KernelRegistry::global().select(info, options_.kernel_label);
    try {
      kernels_[i] = kernel_defs_[i]->create(info);
    } catch (const Error& e) {
      fail("{} '{}': creating its {} kernel: {}", node.op, node.name, kernel_defs_[i]->label, e.what());
    }
    outputs_[i].resize(node.outputs.size());
  }
}

void Executor::set_batch_size(int64_t batch) {
  if (batch == graph_.batch_size) return;
  graph_.rebind_batch(batch);
  plans_.clear();
  create_kernels();
}

Executor::Plan& Executor::plan_for(const std::vector<TensorRef>& fetches) {
  auto it = plans_.find(fetches);
  if (it != plans_.end()) return *it->second;
  auto plan = std::make_unique<Plan>();
  std::vector<int> fetched;
  for (const auto& ref : fetches) fetched.push_back(ref.node);
  std::vector<bool> needed = graph_.ancestors_of_nodes(fetched);

  const size_t n = graph_.nodes.size();
  plan->records_event.assign(n, false);
  plan->waits_for.assign(n, {});
  plan->events.assign(n, nullptr);
  plan->senders.assign(n, nullptr);
  for (int i = 0; i < static_cast<int>(n); ++i) {
    if (!needed[i]) continue;
    for (int control : graph_.nodes[i].control_inputs) {
      const DeviceName& from = infos_[control].device;
      if (from == infos_[i].device || from.type == DeviceType::kCPU) continue;
      plan->records_event[control] = true;
      plan->waits_for[i].push_back(control);
    }
  }
  plan_releases(*plan, fetches, needed);
  for (int i = 0; i < static_cast<int>(n); ++i) {
    if (!needed[i]) continue;
    plan->nodes.push_back(i);
    if (infos_[i].device.type != DeviceType::kCPU) {
      Device* device = &get_device(infos_[i].device);
      if (std::find(plan->streamed.begin(), plan->streamed.end(), device) == plan->streamed.end())
        plan->streamed.push_back(device);
      profile_locks_[device];  // made here, only looked up while a run's nodes run
    }
    Plan* p = plan.get();
    flow::sender<flow::continue_msg>* sender = nullptr;
    flow::receiver<flow::continue_msg>* receiver = nullptr;
    if (kernels_[i]->asynchronous()) {
      // A continue_node joins the inputs; the async_node starts the kernel and frees its worker.
      auto join = std::make_unique<flow::continue_node<flow::continue_msg>>(
          plan->graph, [](const flow::continue_msg&) { return flow::continue_msg(); });
      auto node = std::make_unique<AsyncNode>(
          plan->graph, flow::unlimited,
          [this, p, i](const flow::continue_msg&, AsyncNode::gateway_type& gateway) { start_async(*p, i, AsyncGateway{gateway}); });
      flow::make_edge(*join, *node);
      // An async_node's successors follow its output port (oneTBB registers them only there).
      receiver = join.get(), sender = &flow::output_port<0>(*node);
      plan->flow_nodes.push_back(std::move(join));
      plan->async_nodes.push_back(std::move(node));
      plan->async.push_back(i);
    } else {
      auto body = [this, p, i](const flow::continue_msg&) { run_node(*p, i); };
      plan->flow_nodes.push_back(std::make_unique<flow::continue_node<flow::continue_msg>>(plan->graph, body));
      receiver = plan->flow_nodes.back().get();
      sender = plan->flow_nodes.back().get();
    }
    plan->senders[i] = sender;
    std::vector<int> producers;
    for (const auto& ref : graph_.nodes[i].inputs)
      if (std::find(producers.begin(), producers.end(), ref.node) == producers.end()) producers.push_back(ref.node);
    for (int control : graph_.nodes[i].control_inputs)
      if (std::find(producers.begin(), producers.end(), control) == producers.end()) producers.push_back(control);
    if (producers.empty()) flow::make_edge(plan->start, *receiver);
    for (int producer : producers) flow::make_edge(*plan->senders[producer], *receiver);
  }
  return *plans_.emplace(fetches, std::move(plan)).first->second;
}

void Executor::plan_releases(Plan& plan, const std::vector<TensorRef>& fetches, const std::vector<bool>& needed) {
  const int n = static_cast<int>(graph_.nodes.size());
  plan.slot_base.assign(n, 0);
  plan.slot_output.clear();
  for (int i = 0; i < n; ++i) {
    plan.slot_base[i] = static_cast<int>(plan.slot_output.size());
    for (int k = 0; k < static_cast<int>(graph_.nodes[i].outputs.size()); ++k) plan.slot_output.emplace_back(i, k);
  }
  plan.uses.assign(plan.slot_output.size(), 0);
  plan.reads.assign(n, {});
  plan.unread.assign(n, {});
  auto kept = [&](int node, int output) {
    for (const auto& ref : fetches)
      if (ref.node == node && (ref.output == output || ref.output < 0)) return true;
    // A Recv on another device reads a Send's output on its own stream after the Send's node
    // has run: the buffer must outlive the run (runs end with every stream synchronized).
    if (graph_.nodes[node].op == "Send") return true;
    return !options_.release_intermediates;
  };
  for (int i = 0; i < n; ++i) {
    if (!needed[i]) continue;
    for (int k = 0; k < static_cast<int>(graph_.nodes[i].outputs.size()); ++k)
      if (kept(i, k)) plan.uses[plan.slot_base[i] + k] = -1;
  }
  for (int i = 0; i < n; ++i) {
    if (!needed[i]) continue;
    for (const auto& ref : graph_.nodes[i].inputs) {
      int slot = plan.slot_base[ref.node] + ref.output;
      if (plan.uses[slot] < 0 || std::find(plan.reads[i].begin(), plan.reads[i].end(), slot) != plan.reads[i].end())
        continue;
      plan.reads[i].push_back(slot);
      ++plan.uses[slot];
    }
  }
  for (int i = 0; i < n; ++i) {
    if (!needed[i]) continue;
    for (int k = 0; k < static_cast<int>(graph_.nodes[i].outputs.size()); ++k)
      if (plan.uses[plan.slot_base[i] + k] == 0) plan.unread[i].push_back(plan.slot_base[i] + k);
  }
  plan.remaining = std::make_unique<std::atomic<int>[]>(plan.uses.size());
}

void Executor::run_node(Plan& plan, int i) {
  if (plan.failed.load(std::memory_order_relaxed)) return;  // an earlier node failed: skip
  try {
    std::vector<const Tensor*> inputs = node_inputs(plan, i);
    Device& device = get_device(infos_[i].device);
    KernelContext ctx(infos_[i], device, std::move(inputs), outputs_[i], *plan.run);
    if (options_.profile) {
      // On a GPU one node at a time holds the device from enqueue to synchronize, so the
      // time is this node's kernels alone (and nothing queued before it).
      std::unique_lock<std::mutex> hold;
      if (infos_[i].device.type != DeviceType::kCPU) {
        hold = std::unique_lock(profile_locks_.at(&device));
        device.synchronize();
      }
      auto started = std::chrono::steady_clock::now();
      kernels_[i]->compute(ctx);
      if (hold.owns_lock()) device.synchronize();
      record_timing(plan, i, started);
    } else {
      kernels_[i]->compute(ctx);
    }
    node_done(plan, i);
  } catch (const std::exception& e) {
    node_failed(plan, i, e);
  }
}

std::vector<const Tensor*> Executor::node_inputs(Plan& plan, int i) {
  const Node& node = graph_.nodes[i];
  std::vector<const Tensor*> inputs;
  inputs.reserve(node.inputs.size());
  for (const auto& ref : node.inputs) inputs.push_back(&outputs_[ref.node][ref.output]);
  Device& device = get_device(infos_[i].device);
  for (int control : plan.waits_for[i]) device.wait_event(*plan.events[control]);
  if (node.def != nullptr) reuse_inputs(plan, i, inputs);
  return inputs;
}

void Executor::record_timing(Plan& plan, int i, std::chrono::steady_clock::time_point started) {
  auto us = [this](auto t) { return std::chrono::duration<double, std::micro>(t - created_).count(); };
  plan.timings[i] = {i, thread_index(), us(started), us(std::chrono::steady_clock::now())};
}

void Executor::node_done(Plan& plan, int i) {
  if (plan.records_event[i]) plan.events[i] = get_device(infos_[i].device).record_event();
  if (options_.check_numerics || scanned_[i]) check_finite(outputs_[i]);
  if (plan.is_target[i]) plan.targets_done.fetch_add(1, std::memory_order_relaxed);
  release_after(plan, i);
}

void Executor::node_failed(Plan& plan, int i, const std::exception& e) {
  const Node& node = graph_.nodes[i];
  std::string error;
  {
    std::lock_guard lock(plan.error_mutex);
    if (plan.failed.exchange(true)) return;
    plan.error = fmt::format("{} '{}': {}", node.op, node.name, e.what());
    plan.non_finite = dynamic_cast<const NonFiniteError*>(&e) != nullptr;
    error = plan.error;
  }
  // Work the run's asynchronous nodes queued would otherwise wait for nodes that now never run.
  for (int a : plan.async)
    if (a != i) kernels_[a]->cancel(*plan.run, error);
}

void Executor::start_async(Plan& plan, int i, AsyncGateway node) {
  AsyncNode::gateway_type& gateway = node.gateway;
  if (plan.failed.load(std::memory_order_relaxed)) {
    gateway.try_put(flow::continue_msg());
    return;
  }
  gateway.reserve_wait();  // the run's wait_for_all waits for the kernel's `done`
  auto started = std::chrono::steady_clock::now();
  auto finished = [this, &plan, i, &gateway, started](std::exception_ptr error) {
    try {
      if (error) std::rethrow_exception(error);
      if (options_.profile) record_timing(plan, i, started);
      node_done(plan, i);
    } catch (const std::exception& e) {
      node_failed(plan, i, e);
    }
    gateway.try_put(flow::continue_msg());
    gateway.release_wait();
  };
  try {
    std::vector<const Tensor*> inputs = node_inputs(plan, i);
    KernelContext ctx(infos_[i], get_device(infos_[i].device), std::move(inputs), outputs_[i], *plan.run);
    kernels_[i]->compute_async(ctx, finished);
  } catch (const std::exception& e) {
    finished(std::current_exception());
  }
}

void Executor::reuse_inputs(Plan& plan, int node, std::vector<const Tensor*>& inputs) {
  const Node& n = graph_.nodes[node];
  for (auto [out, in] : n.def->reuse_input) {
    const TensorRef& ref = n.inputs.at(in);
    int slot = plan.slot_base[ref.node] + ref.output;
    Tensor& source = outputs_[ref.node][ref.output];
    const TensorInfo& want = infos_[node].outputs.at(out);
    // This node is the buffer's last reader (every other reader has run: released slots count
    // down after their node), and no view, variable or feed shares it: the output takes it over.
    if (plan.uses[slot] <= 0 || plan.remaining[slot].load(std::memory_order_acquire) != 1 || !source.sole_owner() ||
        source.dtype() != want.dtype || !(source.shape() == want.shape) || outputs_[node][out].valid())
      continue;
    outputs_[node][out] = std::move(source);
    for (size_t k = 0; k < n.inputs.size(); ++k)
      if (n.inputs[k].node == ref.node && n.inputs[k].output == ref.output) inputs[k] = &outputs_[node][out];
  }
}

void Executor::release_after(Plan& plan, int node) {
  auto release = [&](int slot) {
    auto [producer, output] = plan.slot_output[slot];
    // Views of the buffer (an Identity's or Reshape's output) keep it alive until they go too.
    outputs_[producer][output] = Tensor();
  };
  for (int slot : plan.reads[node])
    if (plan.remaining[slot].fetch_sub(1, std::memory_order_acq_rel) == 1) release(slot);
  for (int slot : plan.unread[node]) release(slot);
}

void Executor::check_feeds(const Plan& plan, const std::map<std::string, Tensor>& feeds) const {
  for (int i : plan.nodes) {
    const Node& node = graph_.nodes[i];
    if (node.op != "Placeholder") continue;
    // A replica of an input on another device takes the same feed (runtime/passes/partition.h).
    const std::string& feed = node.attrs.s("feed").empty() ? node.name : node.attrs.s("feed");
    auto it = feeds.find(feed);
    if (it == feeds.end()) fail("Placeholder '{}' was not fed (it needs {} {})", feed,
                                dtype_name(node.outputs[0].dtype), node.outputs[0].shape.str());
    const Tensor& t = it->second;
    if (t.dtype() != node.outputs[0].dtype || !(t.shape() == node.outputs[0].shape))
      fail("Placeholder '{}' expects {} {}, was fed {} {}", node.name, dtype_name(node.outputs[0].dtype),
           node.outputs[0].shape.str(), dtype_name(t.dtype()), t.shape().str());
  }
}

std::vector<Tensor> Executor::run(const std::map<std::string, Tensor>& feeds, const std::vector<std::string>& fetches,
                                  bool training, int64_t step, const std::vector<std::string>& targets) {
  // A fed batch of another size recompiles (the last, smaller batch of an evaluation).
  for (const auto& [name, tensor] : feeds) {
    const Node& node = graph_.node(name);
    if (node.op == "Placeholder" && node.attrs.shape("shape").rank() > 0 &&
        node.attrs.shape("shape")[0] == Shape::kBatch && tensor.shape().rank() > 0)
      set_batch_size(tensor.shape()[0]);
  }
  std::vector<TensorRef> refs;
  for (const auto& name : fetches) refs.push_back(graph_.resolve(name));
  std::vector<TensorRef> plan_key = refs;
  for (const auto& name : targets) plan_key.push_back({graph_.index(name), -1});
  Plan& plan = plan_for(plan_key);
  check_feeds(plan, feeds);

  Rendezvous rendezvous;
  RunState state{&variables_, &feeds, options_.seed, step, training, &rendezvous};
  plan.run = &state;
  for (size_t slot = 0; slot < plan.uses.size(); ++slot) plan.remaining[slot].store(plan.uses[slot], std::memory_order_relaxed);
  plan.failed = false;
  plan.error.clear();
  plan.is_target.assign(graph_.nodes.size(), 0);
  for (const auto& name : targets) plan.is_target[graph_.index(name)] = 1;
  plan.targets_done = 0;
  plan.non_finite = false;
  if (options_.profile) plan.timings.assign(graph_.nodes.size(), NodeTiming{});
  plan.start.try_put(flow::continue_msg());
  plan.graph.wait_for_all();
  plan.run = nullptr;
  // The flow graph has only enqueued GPU work. A run ends when that work has (as TF's
  // Session::Run): the next run may then overwrite any output buffer, whichever stream read it.
  // A GPU error surfaces here; it cannot be pinned to a node without synchronizing each one.
  std::string device_error;
  for (Device* device : plan.streamed) {
    try {
      device->synchronize();
    } catch (const std::exception& e) {
      if (device_error.empty()) device_error = fmt::format("{}: {}", device->name().str(), e.what());
    }
  }
  last_profile_.clear();  // a failed run leaves no stale profile behind
  last_targets_done_ = plan.targets_done.load();
  last_non_finite_ = plan.failed && plan.non_finite;
  if (plan.failed) throw Error(plan.error);
  if (!device_error.empty()) throw Error(device_error);
  for (const NodeTiming& t : plan.timings)
    if (t.node >= 0) last_profile_.push_back(t);
  std::sort(last_profile_.begin(), last_profile_.end(),
            [](const NodeTiming& a, const NodeTiming& b) { return a.start_us < b.start_us; });

  std::vector<Tensor> results;
  // Fetches come back as plain host tensors (clone copies device memory back through its device).
  for (const auto& ref : refs) {
    const Tensor& out = outputs_[ref.node][ref.output];
    results.push_back(graph_.info(ref).layout == MemoryLayout::kBlocked16 ? to_plain(out) : out.clone());
  }
  return results;
}

}  // namespace graphrun

// Kernels, registered per (op, device type, dtype) with a priority. The executor picks, for each
// node, the highest-priority kernel whose supports() accepts the node; a refusal carries its
// reason so "no kernel" errors can say why. The reference kernel (plain loops, float32 and
// float64) is always registered and is the oracle in the op tests.
#pragma once

#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/attrs.h"
#include "core/device.h"
#include "core/op_registry.h"
#include "core/tensor.h"

namespace graphrun {

// What a kernel is built for: one node at its inferred shapes on one device.
struct NodeInfo {
  std::string name;
  std::string op;
  AttrMap attrs;
  std::vector<TensorInfo> inputs;
  std::vector<TensorInfo> outputs;
  DeviceName device;
  // The dtype kernels are keyed by: input 0's dtype, or output 0's for ops without inputs.
  DType kernel_dtype() const;
};

class VariableStore;
class Rendezvous;

// What one run of a graph shares with all its kernels.
struct RunState {
  VariableStore* variables = nullptr;
  const std::map<std::string, Tensor>* feeds = nullptr;  // by Placeholder name
  uint64_t seed = 0;
  int64_t step = 0;
  bool training = false;
  Rendezvous* rendezvous = nullptr;  // Send/Recv events of this run
};

// What a kernel sees when it runs.
class KernelContext {
 public:
  KernelContext(const NodeInfo& node, Device& device, std::vector<const Tensor*> inputs,
                std::vector<Tensor>& outputs, const RunState& run)
      : node_(node), device_(device), inputs_(std::move(inputs)), outputs_(outputs), run_(run) {}

  const NodeInfo& node() const { return node_; }
  const AttrMap& attrs() const { return node_.attrs; }
  Device& device() const { return device_; }
  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  const Tensor& input(int i) const { return *inputs_.at(i); }
  int num_outputs() const { return static_cast<int>(outputs_.size()); }
  // Output i with its inferred dtype and shape; allocated on first use, then reused each run.
  Tensor& output(int i);
  // Makes output i share another tensor's buffer (Identity, Reshape, Variable).
  void set_output(int i, Tensor tensor);

  // Randomness is keyed by (seed, step, node), so it does not depend on thread timing.
  uint64_t seed() const { return run_.seed; }
  int64_t step() const { return run_.step; }
  bool training() const { return run_.training; }
  const RunState& run() const { return run_; }

 private:
  const NodeInfo& node_;
  Device& device_;
  std::vector<const Tensor*> inputs_;
  std::vector<Tensor>& outputs_;
  const RunState& run_;
};

class OpKernel {
 public:
  using Done = std::function<void(std::exception_ptr)>;
  virtual ~OpKernel() = default;
  // May be called concurrently for different nodes, never for the same kernel object.
  virtual void compute(KernelContext& ctx) = 0;
  // Asynchronous kernels (ops/all_reduce: work done by the network) start their work and
  // return; `done` is called, on any thread, when it has finished (with the exception if it
  // failed). `ctx` lives only until compute_async returns. The executor runs such a node as a
  // oneTBB async_node, so no worker thread waits for it.
  virtual bool asynchronous() const { return false; }
  virtual void compute_async(KernelContext& ctx, Done done) {
    compute(ctx);
    done(nullptr);
  }
  // Another node of the run failed: work this kernel queued for the run and not yet started must
  // finish (with an error) so the run can end.
  virtual void cancel(const RunState& run, const std::string& why) {}

 protected:
  // For an asynchronous kernel's compute(), which callers that run kernels one at a time (op
  // checks) use: starts compute_async and waits for its `done`, rethrowing its error.
  void compute_and_wait(KernelContext& ctx);
};

// Which tensors a kernel reads and writes in whatever layout they lie in (plain, or channel-blocked:
// core/layout.h), and, where that depends on the node, when. The blocked-layout pass reads it off
// the kernel that will run a node, so a kernel that outranks one declaring it (a plugin's) and
// declares nothing gets plain tensors. Empty: plain tensors only.
struct KernelLayouts {
  std::vector<int> inputs;
  std::vector<int> outputs;
  NodeCondition when;  // null: always
  bool any() const { return !inputs.empty() || !outputs.empty(); }
};

// An activation the kernel applies to its output as it writes it: a node of the kernel's op read
// only by an `activation` node becomes, with it, one `fused_op` node (runtime/passes/fuse_activations.h).
struct ActivationFusion {
  std::string activation;
  std::string fused_op;
};

struct KernelDef {
  std::string op;
  DeviceType device = DeviceType::kCPU;
  DType dtype = DType::kFloat32;
  int priority = 0;         // higher wins; reference kernels use 0, oneDNN 10, cuDNN 10
  std::string label;        // "reference", "onednn", "cudnn"
  std::string library = "builtin";
  // "" when the kernel can run this node, else the reason it cannot.
  std::function<std::string(const NodeInfo&)> supports;
  std::function<std::unique_ptr<OpKernel>(const NodeInfo&)> create;
  KernelLayouts any_layout;
  std::vector<ActivationFusion> fusions;

  // The fused op an `activation` node reading this kernel's output becomes part of, or nullptr.
  const ActivationFusion* fusion_with(const std::string& activation) const;
};

class KernelRegistry {
 public:
  static KernelRegistry& global();
  void add(KernelDef def);
  // All kernels for (op, device type, dtype), highest priority first.
  std::vector<const KernelDef*> find(const std::string& op, DeviceType device, DType dtype) const;
  std::vector<const KernelDef*> for_op(const std::string& op) const;
  // The kernel that runs the node on its device: the highest-priority one whose supports()
  // accepts it; nullptr if none does.
  const KernelDef* runs(const NodeInfo& node) const;
  // The best kernel for the node on its device; throws Error listing the kernels there are and
  // why each refused. `label` (if not empty) forces a kernel by label ("reference").
  const KernelDef& select(const NodeInfo& node, const std::string& label = "") const;

 private:
  std::multimap<std::string, std::unique_ptr<KernelDef>> kernels_;
};

// Registers `Kernel<float>` and `Kernel<double>` for an op, for kernels templated on the
// element type (the reference kernels).
class KernelBuilder {
 public:
  KernelBuilder(std::string op, DeviceType device, std::string label, int priority = 0);
  KernelBuilder& supports(std::function<std::string(const NodeInfo&)> fn);
  // Traits the graph passes read (KernelLayouts, ActivationFusion), for every dtype registered.
  KernelBuilder& any_layout(std::vector<int> inputs, std::vector<int> outputs, NodeCondition when = nullptr);
  KernelBuilder& fuses_activation(std::string activation, std::string fused_op);
  template <template <typename> class Kernel>
  KernelBuilder& float_types() {
    add<float, Kernel>();
    add<double, Kernel>();
    return *this;
  }
  template <typename T, template <typename> class Kernel>
  KernelBuilder& add() {
    return add_one(dtype_of<T>(), [](const NodeInfo& node) -> std::unique_ptr<OpKernel> {
      return std::make_unique<Kernel<T>>(node);
    });
  }
  // A non-template kernel class for one dtype.
  template <typename Kernel>
  KernelBuilder& add_class(DType dtype) {
    return add_one(dtype, [](const NodeInfo& node) -> std::unique_ptr<OpKernel> {
      return std::make_unique<Kernel>(node);
    });
  }
  // A kernel class that moves or aliases bytes without reading them as numbers (views,
  // transfers): one registration for every dtype a tensor can hold.
  template <typename Kernel>
  KernelBuilder& every_dtype() {
    for (DType dtype : {DType::kFloat32, DType::kFloat64, DType::kInt32, DType::kInt64, DType::kUInt8, DType::kBFloat16})
      add_class<Kernel>(dtype);
    return *this;
  }
  KernelBuilder& add_one(DType dtype, std::function<std::unique_ptr<OpKernel>(const NodeInfo&)> create);
  const std::vector<KernelDef>& defs() const { return defs_; }

 private:
  std::string op_;
  DeviceType device_;
  std::string label_;
  int priority_;
  std::function<std::string(const NodeInfo&)> supports_;
  KernelLayouts any_layout_;
  std::vector<ActivationFusion> fusions_;
  std::vector<KernelDef> defs_;
};

struct KernelRegistrar {
  KernelRegistrar(KernelBuilder& builder);   // NOLINT: implicit, for the macro
  KernelRegistrar(KernelBuilder&& builder);  // NOLINT
};

}  // namespace graphrun

// GR_REGISTER_KERNEL(KernelBuilder("Relu", DeviceType::kCPU, "reference").float_types<ReluRef>());
#define GR_REGISTER_KERNEL(...) \
  static ::graphrun::KernelRegistrar GR_CONCAT(gr_kernel_registrar_, __COUNTER__) = __VA_ARGS__

#include "core/kernel_registry.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <future>

namespace graphrun {

void OpKernel::compute_and_wait(KernelContext& ctx) {
  std::promise<void> finished;
  compute_async(ctx, [&finished](std::exception_ptr e) {
    if (e) finished.set_exception(e);
    else finished.set_value();
  });
  finished.get_future().get();
}

DType NodeInfo::kernel_dtype() const {
  if (!inputs.empty()) return inputs[0].dtype;
  return outputs.empty() ? DType::kInvalid : outputs[0].dtype;
}

Tensor& KernelContext::output(int i) {
  GR_CHECK(i >= 0 && i < num_outputs(), "{} '{}' has no output {}", node_.op, node_.name, i);
  Tensor& out = outputs_[i];
  const TensorInfo& info = node_.outputs[i];
  // A buffer shared with another tensor (left from a run where this output aliased an input,
  // as Dropout does at inference) must not be written: the kernel gets its own.
  if (!out.sole_owner() || out.dtype() != info.dtype || !(out.shape() == info.shape))
    out = Tensor(info.dtype, info.shape, device_.allocator());
  return out;
}

void KernelContext::set_output(int i, Tensor tensor) {
  GR_CHECK(i >= 0 && i < num_outputs(), "{} '{}' has no output {}", node_.op, node_.name, i);
  const TensorInfo& info = node_.outputs[i];
  GR_CHECK(tensor.dtype() == info.dtype && tensor.num_elements() == info.shape.num_elements(),
           "{} '{}' output {} set to {} {}, expected {} {}", node_.op, node_.name, i, dtype_name(tensor.dtype()),
           tensor.shape().str(), dtype_name(info.dtype), info.shape.str());
  outputs_[i] = tensor.shape() == info.shape ? std::move(tensor) : tensor.reshaped(info.shape);
}

KernelRegistry& KernelRegistry::global() {
  static KernelRegistry registry;
  return registry;
}

void KernelRegistry::add(KernelDef def) {
  std::string op = def.op;
  kernels_.emplace(op, std::make_unique<KernelDef>(std::move(def)));
}

std::vector<const KernelDef*> KernelRegistry::for_op(const std::string& op) const {
  std::vector<const KernelDef*> result;
  auto [begin, end] = kernels_.equal_range(op);
  for (auto it = begin; it != end; ++it) result.push_back(it->second.get());
  std::stable_sort(result.begin(), result.end(), [](const KernelDef* a, const KernelDef* b) {
    if (a->device != b->device) return a->device < b->device;
    if (a->dtype != b->dtype) return a->dtype < b->dtype;
    return a->priority > b->priority;
  });
  return result;
}

std::vector<const KernelDef*> KernelRegistry::find(const std::string& op, DeviceType device, DType dtype) const {
  std::vector<const KernelDef*> result;
  for (const KernelDef* def : for_op(op))
    if (def->device == device && def->dtype == dtype) result.push_back(def);
  return result;
}

const ActivationFusion* KernelDef::fusion_with(const std::string& activation) const {
  for (const ActivationFusion& fusion : fusions)
    if (fusion.activation == activation) return &fusion;
  return nullptr;
}

const KernelDef* KernelRegistry::runs(const NodeInfo& node) const {
  for (const KernelDef* def : find(node.op, node.device.type, node.kernel_dtype()))
    if (!def->supports || def->supports(node).empty()) return def;
  return nullptr;
}

const KernelDef& KernelRegistry::select(const NodeInfo& node, const std::string& label) const {
  std::vector<std::string> refusals;
  for (const KernelDef* def : find(node.op, node.device.type, node.kernel_dtype())) {
    if (!label.empty() && def->label != label) continue;
    std::string reason = def->supports ? def->supports(node) : "";
    if (reason.empty()) return *def;
    refusals.push_back(fmt::format("{} refused: {}", def->label, reason));
  }
  std::vector<std::string> available;
  for (const KernelDef* def : for_op(node.op))
    available.push_back(fmt::format("{}/{}/{}", device_type_name(def->device), dtype_name(def->dtype), def->label));
  fail("{} '{}': no {}kernel for {} on {}{}{} (kernels: {})", node.op, node.name,
       label.empty() ? "" : label + " ", dtype_name(node.kernel_dtype()), node.device.str(),
       refusals.empty() ? "" : "; ", fmt::join(refusals, "; "),
       available.empty() ? "none" : fmt::format("{}", fmt::join(available, ", ")));
}

KernelBuilder::KernelBuilder(std::string op, DeviceType device, std::string label, int priority)
    : op_(std::move(op)), device_(device), label_(std::move(label)), priority_(priority) {}

KernelBuilder& KernelBuilder::supports(std::function<std::string(const NodeInfo&)> fn) {
  supports_ = std::move(fn);
  for (auto& def : defs_) def.supports = supports_;
  return *this;
}

KernelBuilder& KernelBuilder::any_layout(std::vector<int> inputs, std::vector<int> outputs, NodeCondition when) {
  any_layout_ = KernelLayouts{std::move(inputs), std::move(outputs), std::move(when)};
  for (auto& def : defs_) def.any_layout = any_layout_;
  return *this;
}

KernelBuilder& KernelBuilder::fuses_activation(std::string activation, std::string fused_op) {
  fusions_.push_back(ActivationFusion{std::move(activation), std::move(fused_op)});
  for (auto& def : defs_) def.fusions = fusions_;
  return *this;
}

KernelBuilder& KernelBuilder::add_one(DType dtype, std::function<std::unique_ptr<OpKernel>(const NodeInfo&)> create) {
  defs_.push_back(KernelDef{op_, device_, dtype, priority_, label_, "builtin", supports_, std::move(create),
                            any_layout_, fusions_});
  return *this;
}

KernelRegistrar::KernelRegistrar(KernelBuilder& builder) {
  for (const auto& def : builder.defs()) KernelRegistry::global().add(def);
}
KernelRegistrar::KernelRegistrar(KernelBuilder&& builder) : KernelRegistrar(builder) {}

}  // namespace graphrun

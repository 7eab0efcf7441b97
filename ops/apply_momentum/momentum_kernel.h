// What the momentum kernels on the CPU and in CUDA share: the attrs of ApplyMomentum and of
// FusedApplyMomentum, and FusedApplyMomentum's registration by the variables' dtype.
#pragma once

#include <memory>
#include <vector>

#include "core/kernel_registry.h"

namespace graphrun::momentum {

// ApplyMomentum's hyper-parameters.
struct Attrs {
  explicit Attrs(const NodeInfo& node)
      : momentum(node.attrs.f("momentum")),
        weight_decay(node.attrs.f("weight_decay")),
        lr_mult(node.attrs.f("lr_mult")),
        decay_mult(node.attrs.f("decay_mult")) {}
  double momentum, weight_decay, lr_mult, decay_mult;
};

// FusedApplyMomentum's: one lr_mult and decay_mult per variable.
struct FusedAttrs {
  explicit FusedAttrs(const NodeInfo& node)
      : momentum(node.attrs.f("momentum")),
        weight_decay(node.attrs.f("weight_decay")),
        lr_mults(node.attrs.floats("lr_mults")),
        decay_mults(node.attrs.floats("decay_mults")) {}
  int count() const { return static_cast<int>(lr_mults.size()); }
  // Input indices of variable i's tensors.
  int var(int i) const { return 1 + i; }
  int slot(int i) const { return 1 + count() + i; }
  int grad(int i) const { return 1 + 2 * count() + i; }

  double momentum, weight_decay;
  std::vector<double> lr_mults, decay_mults;
};

// Kernels are looked up by input 0's dtype (NodeInfo::kernel_dtype), which here is lr's, not the
// variables' (a float64 model still trains with a float32 learning rate): register Kernel<T>
// under both lr dtypes, T chosen by var_0's dtype.
template <template <typename> class Kernel>
KernelBuilder by_variable_dtype(KernelBuilder builder) {
  auto create = [](const NodeInfo& node) -> std::unique_ptr<OpKernel> {
    if (node.inputs.at(1).dtype == DType::kFloat64) return std::make_unique<Kernel<double>>(node);
    return std::make_unique<Kernel<float>>(node);
  };
  builder.add_one(DType::kFloat32, create);
  builder.add_one(DType::kFloat64, create);
  return builder;
}

}  // namespace graphrun::momentum

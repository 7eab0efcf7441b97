// Reference FusedApplyMomentum: ApplyMomentum's reference loop over each variable in turn.
#include "ops/apply_momentum/momentum_kernel.h"
#include "ops/apply_momentum/momentum_update_cpu.h"

namespace graphrun {

namespace {

template <typename T>
class FusedApplyMomentumRef final : public OpKernel {
 public:
  explicit FusedApplyMomentumRef(const NodeInfo& node) : attrs_(node) {}

  void compute(KernelContext& ctx) override {
    double lr = ctx.input(0).value_as_double(0);
    for (int i = 0; i < attrs_.count(); ++i) {
      const Tensor& var = ctx.input(attrs_.var(i));
      auto c = momentum::coefficients<T>(lr, attrs_.lr_mults[i], attrs_.momentum, attrs_.weight_decay,
                                         attrs_.decay_mults[i]);
      momentum::update_all(static_cast<T*>(var.raw()), static_cast<T*>(ctx.input(attrs_.slot(i)).raw()),
                           ctx.input(attrs_.grad(i)).data<T>(), var.num_elements(), c);
      ctx.set_output(i, var);
    }
  }

 private:
  momentum::FusedAttrs attrs_;
};

GR_REGISTER_KERNEL(momentum::by_variable_dtype<FusedApplyMomentumRef>(
    KernelBuilder("FusedApplyMomentum", DeviceType::kCPU, "reference")));

}  // namespace
}  // namespace graphrun

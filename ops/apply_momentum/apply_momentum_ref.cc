// Reference ApplyMomentum: one pass over the variable, in place.
#include "core/kernel_registry.h"
#include "ops/apply_momentum/momentum_update_cpu.h"

namespace graphrun {

namespace {

template <typename T>
class ApplyMomentumRef final : public OpKernel {
 public:
  explicit ApplyMomentumRef(const NodeInfo& node)
      : momentum_(node.attrs.f("momentum")),
        weight_decay_(node.attrs.f("weight_decay")),
        lr_mult_(node.attrs.f("lr_mult")),
        decay_mult_(node.attrs.f("decay_mult")) {}

  void compute(KernelContext& ctx) override {
    // Variables are updated in place: their buffers belong to the VariableStore.
    auto c = momentum::coefficients<T>(ctx.input(3).value_as_double(0), lr_mult_, momentum_, weight_decay_, decay_mult_);
    momentum::update_all(static_cast<T*>(ctx.input(0).raw()), static_cast<T*>(ctx.input(1).raw()),
                         ctx.input(2).data<T>(), ctx.input(0).num_elements(), c);
    ctx.set_output(0, ctx.input(0));
  }

 private:
  double momentum_, weight_decay_, lr_mult_, decay_mult_;
};

GR_REGISTER_KERNEL(KernelBuilder("ApplyMomentum", DeviceType::kCPU, "reference").float_types<ApplyMomentumRef>());

}  // namespace
}  // namespace graphrun

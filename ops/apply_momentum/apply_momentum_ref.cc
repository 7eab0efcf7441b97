// Reference ApplyMomentum: one pass over the variable, in place.
#include "ops/apply_momentum/momentum_kernel.h"
#include "ops/apply_momentum/momentum_update_cpu.h"

namespace graphrun {

namespace {

template <typename T>
class ApplyMomentumRef final : public OpKernel {
 public:
  explicit ApplyMomentumRef(const NodeInfo& node) : attrs_(node) {}

  void compute(KernelContext& ctx) override {
    // Variables are updated in place: their buffers belong to the VariableStore.
    auto c = momentum::coefficients<T>(ctx.input(3).value_as_double(0), attrs_.lr_mult, attrs_.momentum,
                                       attrs_.weight_decay, attrs_.decay_mult);
    momentum::update_all(static_cast<T*>(ctx.input(0).raw()), static_cast<T*>(ctx.input(1).raw()),
                         ctx.input(2).data<T>(), ctx.input(0).num_elements(), c);
    ctx.set_output(0, ctx.input(0));
  }

 private:
  momentum::Attrs attrs_;
};

GR_REGISTER_KERNEL(KernelBuilder("ApplyMomentum", DeviceType::kCPU, "reference").float_types<ApplyMomentumRef>());

}  // namespace
}  // namespace graphrun

// Reference ApplyMomentum: one pass over the variable, in place.
#include "core/kernel_registry.h"

namespace graphrun {

namespace {

template <typename T>
class ApplyMomentumRef final : public OpKernel {
 public:
  explicit ApplyMomentumRef(const NodeInfo& node)
      : momentum_(node.attrs.f("momentum")),
        weight_decay_(node.attrs.f("weight_decay") * node.attrs.f("decay_mult")),
        lr_mult_(node.attrs.f("lr_mult")) {}

  void compute(KernelContext& ctx) override {
    // Variables are updated in place: their buffers belong to the VariableStore.
    T* w = static_cast<T*>(ctx.input(0).raw());
    T* v = static_cast<T*>(ctx.input(1).raw());
    const T* grad = ctx.input(2).data<T>();
    double lr = ctx.input(3).value_as_double(0) * lr_mult_;
    const T m = static_cast<T>(momentum_), decay = static_cast<T>(weight_decay_ * lr), step = static_cast<T>(lr);
    for (int64_t i = 0, n = ctx.input(0).num_elements(); i < n; ++i) {
      v[i] = m * v[i] - decay * w[i] - step * grad[i];
      w[i] += v[i];
    }
    ctx.set_output(0, ctx.input(0));
  }

 private:
  double momentum_, weight_decay_, lr_mult_;
};

GR_REGISTER_KERNEL(KernelBuilder("ApplyMomentum", DeviceType::kCPU, "reference").float_types<ApplyMomentumRef>());

}  // namespace
}  // namespace graphrun

// Reference Relu: plain loop, the oracle for the other kernels.
#include "core/kernel_registry.h"

namespace graphrun {

namespace {

template <typename T>
class ReluRef final : public OpKernel {
 public:
  explicit ReluRef(const NodeInfo&) {}
  void compute(KernelContext& ctx) override {
    const T* x = ctx.input(0).data<T>();
    T* y = ctx.output(0).data<T>();
    for (int64_t i = 0, n = ctx.input(0).num_elements(); i < n; ++i) y[i] = x[i] > T(0) ? x[i] : T(0);
  }
};

template <typename T>
class ReluGradRef final : public OpKernel {
 public:
  explicit ReluGradRef(const NodeInfo&) {}
  void compute(KernelContext& ctx) override {
    const T* dy = ctx.input(0).data<T>();
    const T* x = ctx.input(1).data<T>();
    T* dx = ctx.output(0).data<T>();
    for (int64_t i = 0, n = ctx.input(0).num_elements(); i < n; ++i) dx[i] = x[i] > T(0) ? dy[i] : T(0);
  }
};

GR_REGISTER_KERNEL(KernelBuilder("Relu", DeviceType::kCPU, "reference").float_types<ReluRef>());
GR_REGISTER_KERNEL(KernelBuilder("ReluGrad", DeviceType::kCPU, "reference").float_types<ReluGradRef>());

}  // namespace
}  // namespace graphrun

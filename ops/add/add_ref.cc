// Reference Add and AddN: plain loops. Add is AddN of two, so one kernel serves both.
#include "core/kernel_registry.h"

namespace graphrun {

namespace {

template <typename T>
class AddNRef final : public OpKernel {
 public:
  explicit AddNRef(const NodeInfo&) {}
  void compute(KernelContext& ctx) override {
    T* y = ctx.output(0).data<T>();
    int64_t n = ctx.output(0).num_elements();
    const T* first = ctx.input(0).data<T>();
    for (int64_t i = 0; i < n; ++i) y[i] = first[i];
    for (int k = 1; k < ctx.num_inputs(); ++k) {
      const T* x = ctx.input(k).data<T>();
      for (int64_t i = 0; i < n; ++i) y[i] += x[i];
    }
  }
};

GR_REGISTER_KERNEL(KernelBuilder("Add", DeviceType::kCPU, "reference").float_types<AddNRef>());
GR_REGISTER_KERNEL(KernelBuilder("AddN", DeviceType::kCPU, "reference").float_types<AddNRef>());

}  // namespace
}  // namespace graphrun

// StopGradient forwards its input without a copy.
#include "core/kernel_registry.h"

namespace graphrun {

namespace {

template <typename T>
class StopGradientKernel final : public OpKernel {
 public:
  explicit StopGradientKernel(const NodeInfo&) {}
  void compute(KernelContext& ctx) override { ctx.set_output(0, ctx.input(0)); }
};

GR_REGISTER_KERNEL(KernelBuilder("StopGradient", DeviceType::kCPU, "reference")
                       .float_types<StopGradientKernel>()
                       .add<int64_t, StopGradientKernel>());

}  // namespace
}  // namespace graphrun

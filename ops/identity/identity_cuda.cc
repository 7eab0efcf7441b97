// Identity on a GPU: the output aliases the input, as on the CPU (no kernel, no copy).
#include "core/kernel_registry.h"

namespace graphrun {

namespace {

template <typename T>
class IdentityAliasCuda final : public OpKernel {
 public:
  explicit IdentityAliasCuda(const NodeInfo&) {}
  void compute(KernelContext& ctx) override { ctx.set_output(0, ctx.input(0)); }
};

GR_REGISTER_KERNEL(KernelBuilder("Identity", DeviceType::kCUDA, "cuda", 10)
                       .float_types<IdentityAliasCuda>()
                       .add<int32_t, IdentityAliasCuda>()
                       .add<int64_t, IdentityAliasCuda>()
                       .add<uint8_t, IdentityAliasCuda>());

}  // namespace
}  // namespace graphrun

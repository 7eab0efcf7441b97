// Identity's only kernel: the output aliases the input (no copy), for every dtype.
#include "core/kernel_registry.h"

namespace graphrun {

namespace {

template <typename T>
class IdentityAlias final : public OpKernel {
 public:
  explicit IdentityAlias(const NodeInfo&) {}
  void compute(KernelContext& ctx) override { ctx.set_output(0, ctx.input(0)); }
};

GR_REGISTER_KERNEL(KernelBuilder("Identity", DeviceType::kCPU, "reference")
                       .float_types<IdentityAlias>()
                       .add<int32_t, IdentityAlias>()
                       .add<int64_t, IdentityAlias>()
                       .add<uint8_t, IdentityAlias>());

}  // namespace
}  // namespace graphrun

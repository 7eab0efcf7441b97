// Reshape's, Flatten's and ReshapeLike's only kernel: the output aliases the input's buffer
// under the inferred shape (set_output reshapes the view), for every dtype.
#include "core/kernel_registry.h"

namespace graphrun {

namespace {

template <typename T>
class ReshapeAlias final : public OpKernel {
 public:
  explicit ReshapeAlias(const NodeInfo&) {}
  void compute(KernelContext& ctx) override { ctx.set_output(0, ctx.input(0)); }
};

GR_REGISTER_KERNEL(KernelBuilder("Reshape", DeviceType::kCPU, "reference")
                       .float_types<ReshapeAlias>()
                       .add<int32_t, ReshapeAlias>()
                       .add<int64_t, ReshapeAlias>()
                       .add<uint8_t, ReshapeAlias>());
GR_REGISTER_KERNEL(KernelBuilder("ReshapeLike", DeviceType::kCPU, "reference")
                       .float_types<ReshapeAlias>()
                       .add<int32_t, ReshapeAlias>()
                       .add<int64_t, ReshapeAlias>()
                       .add<uint8_t, ReshapeAlias>());
GR_REGISTER_KERNEL(KernelBuilder("Flatten", DeviceType::kCPU, "reference")
                       .float_types<ReshapeAlias>()
                       .add<int32_t, ReshapeAlias>()
                       .add<int64_t, ReshapeAlias>()
                       .add<uint8_t, ReshapeAlias>());

}  // namespace
}  // namespace graphrun

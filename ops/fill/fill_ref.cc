// Reference ZerosLike / OnesLike.
#include <algorithm>

#include "core/kernel_registry.h"

namespace graphrun {

namespace {

template <typename T, int kValue>
class FillKernel final : public OpKernel {
 public:
  explicit FillKernel(const NodeInfo&) {}
  void compute(KernelContext& ctx) override {
    std::span<T> y = ctx.output(0).values<T>();
    std::fill(y.begin(), y.end(), static_cast<T>(kValue));
  }
};
template <typename T>
using Zeros = FillKernel<T, 0>;
template <typename T>
using Ones = FillKernel<T, 1>;

GR_REGISTER_KERNEL(KernelBuilder("ZerosLike", DeviceType::kCPU, "reference").float_types<Zeros>().add<int64_t, Zeros>());
GR_REGISTER_KERNEL(KernelBuilder("OnesLike", DeviceType::kCPU, "reference").float_types<Ones>().add<int64_t, Ones>());

}  // namespace
}  // namespace graphrun

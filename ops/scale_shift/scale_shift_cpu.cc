// ScaleShift on the CPU: one (sample, channel) plane per task, oneTBB spreading the planes over
// the cores; the inner loop is a contiguous multiply-add the compiler vectorizes. (oneDNN's
// batch normalization would need zero means and unit variances allocated beside it for the same.)
#include <tbb/parallel_for.h>

#include <algorithm>

#include "core/kernel_registry.h"

namespace graphrun {

namespace {

template <typename T>
class ScaleShiftCpu final : public OpKernel {
 public:
  explicit ScaleShiftCpu(const NodeInfo& node)
      : channels_(node.inputs[0].shape[1]),
        plane_(node.inputs[0].shape.num_elements() /
               std::max<int64_t>(node.inputs[0].shape[0] * node.inputs[0].shape[1], 1)) {}
  void compute(KernelContext& ctx) override {
    const T *x = ctx.input(0).data<T>(), *scale = ctx.input(1).data<T>(), *shift = ctx.input(2).data<T>();
    T* y = ctx.output(0).data<T>();
    const int64_t planes = ctx.input(0).num_elements() / std::max<int64_t>(plane_, 1);
    tbb::parallel_for(int64_t(0), planes, [&](int64_t p) {
      const T s = scale[p % channels_], b = shift[p % channels_];
      const T* in = x + p * plane_;
      T* out = y + p * plane_;
      for (int64_t i = 0; i < plane_; ++i) out[i] = in[i] * s + b;
    });
  }

 private:
  int64_t channels_, plane_;
};

GR_REGISTER_KERNEL(KernelBuilder("ScaleShift", DeviceType::kCPU, "tbb", 10).float_types<ScaleShiftCpu>());

}  // namespace
}  // namespace graphrun

// Reference Softmax: three passes (max, exp and sum, divide) over each [outer, :, inner] line.
#include <cmath>

#include "core/kernel_registry.h"
#include "ops/common/axis.h"

namespace graphrun {

namespace {

template <typename T>
class SoftmaxRef final : public OpKernel {
 public:
  explicit SoftmaxRef(const NodeInfo& node)
      : split_(
            axis::split_at(node.inputs[0].shape, axis::normalize(node.attrs.i("axis"), node.inputs[0].shape.rank()))) {}
  void compute(KernelContext& ctx) override {
    const T* x = ctx.input(0).data<T>();
    T* y = ctx.output(0).data<T>();
    const int64_t len = split_.axis, inner = split_.inner;
    for (int64_t o = 0; o < split_.outer; ++o) {
      for (int64_t in = 0; in < inner; ++in) {
        const T* xl = x + o * len * inner + in;
        T* yl = y + o * len * inner + in;
        T max = xl[0];
        for (int64_t k = 1; k < len; ++k) max = std::max(max, xl[k * inner]);
        T sum = 0;
        for (int64_t k = 0; k < len; ++k) {
          yl[k * inner] = std::exp(xl[k * inner] - max);
          sum += yl[k * inner];
        }
        for (int64_t k = 0; k < len; ++k) yl[k * inner] /= sum;
      }
    }
  }

 private:
  axis::AxisSplit split_;
};

// Two passes over each line: the dot product sum(dy * y), then dx.
template <typename T>
class SoftmaxGradRef final : public OpKernel {
 public:
  explicit SoftmaxGradRef(const NodeInfo& node)
      : split_(
            axis::split_at(node.inputs[0].shape, axis::normalize(node.attrs.i("axis"), node.inputs[0].shape.rank()))) {}
  void compute(KernelContext& ctx) override {
    const T* dy = ctx.input(0).data<T>();
    const T* y = ctx.input(1).data<T>();
    T* dx = ctx.output(0).data<T>();
    const int64_t len = split_.axis, inner = split_.inner;
    for (int64_t o = 0; o < split_.outer; ++o) {
      for (int64_t in = 0; in < inner; ++in) {
        int64_t base = o * len * inner + in;
        T dot = 0;
        for (int64_t k = 0; k < len; ++k) dot += dy[base + k * inner] * y[base + k * inner];
        for (int64_t k = 0; k < len; ++k) dx[base + k * inner] = y[base + k * inner] * (dy[base + k * inner] - dot);
      }
    }
  }

 private:
  axis::AxisSplit split_;
};

GR_REGISTER_KERNEL(KernelBuilder("Softmax", DeviceType::kCPU, "reference").float_types<SoftmaxRef>());
GR_REGISTER_KERNEL(KernelBuilder("SoftmaxGrad", DeviceType::kCPU, "reference").float_types<SoftmaxGradRef>());

}  // namespace
}  // namespace graphrun

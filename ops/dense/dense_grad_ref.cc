// Reference Dense backward kernels: plain loops, the oracle for the oneDNN kernels. Loop
// orders keep the innermost loop on contiguous rows (of W and x).
#include <algorithm>

#include "core/kernel_registry.h"

namespace graphrun {

namespace {

template <typename T>
class DenseBackpropInputRef final : public OpKernel {
 public:
  explicit DenseBackpropInputRef(const NodeInfo&) {}
  void compute(KernelContext& ctx) override {
    const Tensor& w = ctx.input(1);
    int64_t batch = ctx.input(0).shape()[0], in = w.shape()[1], units = w.shape()[0];
    const T* wp = w.data<T>();
    const T* dy = ctx.input(2).data<T>();
    T* dx = ctx.output(0).data<T>();
    std::fill(dx, dx + batch * in, T(0));
    for (int64_t n = 0; n < batch; ++n)
      for (int64_t u = 0; u < units; ++u) {
        T g = dy[n * units + u];
        for (int64_t k = 0; k < in; ++k) dx[n * in + k] += g * wp[u * in + k];
      }
  }
};

template <typename T>
class DenseBackpropWeightRef final : public OpKernel {
 public:
  explicit DenseBackpropWeightRef(const NodeInfo&) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    int64_t batch = x.shape()[0], in = x.shape()[1], units = ctx.input(1).shape()[0];
    const T* xp = x.data<T>();
    const T* dy = ctx.input(2).data<T>();
    T* dw = ctx.output(0).data<T>();
    T* db = ctx.output(1).data<T>();
    std::fill(dw, dw + units * in, T(0));
    std::fill(db, db + units, T(0));
    for (int64_t u = 0; u < units; ++u)
      for (int64_t n = 0; n < batch; ++n) {
        T g = dy[n * units + u];
        db[u] += g;
        for (int64_t k = 0; k < in; ++k) dw[u * in + k] += g * xp[n * in + k];
      }
  }
};

GR_REGISTER_KERNEL(
    KernelBuilder("DenseBackpropInput", DeviceType::kCPU, "reference").float_types<DenseBackpropInputRef>());
GR_REGISTER_KERNEL(
    KernelBuilder("DenseBackpropWeight", DeviceType::kCPU, "reference").float_types<DenseBackpropWeightRef>());

}  // namespace
}  // namespace graphrun

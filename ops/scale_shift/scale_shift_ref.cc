// Reference ScaleShift and ScaleShiftGrad: plain loops over [N, C, rest], the oracle.
#include <algorithm>

#include "core/kernel_registry.h"

namespace graphrun {

namespace {

// x's [N, C, rest] with the spatial dimensions merged.
struct Planes {
  explicit Planes(const Shape& x)
      : n(x[0]), c(x[1]), rest(x.num_elements() / std::max<int64_t>(x[0] * x[1], 1)) {}
  int64_t n, c, rest;
};

template <typename T>
class ScaleShiftRef final : public OpKernel {
 public:
  explicit ScaleShiftRef(const NodeInfo&) {}
  void compute(KernelContext& ctx) override {
    Planes p(ctx.input(0).shape());
    const T *x = ctx.input(0).data<T>(), *scale = ctx.input(1).data<T>(), *shift = ctx.input(2).data<T>();
    T* y = ctx.output(0).data<T>();
    for (int64_t n = 0; n < p.n; ++n)
      for (int64_t c = 0; c < p.c; ++c)
        for (int64_t i = 0; i < p.rest; ++i) {
          int64_t at = (n * p.c + c) * p.rest + i;
          y[at] = x[at] * scale[c] + shift[c];
        }
  }
};

template <typename T>
class ScaleShiftGradRef final : public OpKernel {
 public:
  explicit ScaleShiftGradRef(const NodeInfo&) {}
  void compute(KernelContext& ctx) override {
    Planes p(ctx.input(1).shape());
    const T *dy = ctx.input(0).data<T>(), *x = ctx.input(1).data<T>(), *scale = ctx.input(2).data<T>();
    T *dx = ctx.output(0).data<T>(), *dscale = ctx.output(1).data<T>(), *dshift = ctx.output(2).data<T>();
    for (int64_t c = 0; c < p.c; ++c) dscale[c] = dshift[c] = T(0);
    for (int64_t n = 0; n < p.n; ++n)
      for (int64_t c = 0; c < p.c; ++c)
        for (int64_t i = 0; i < p.rest; ++i) {
          int64_t at = (n * p.c + c) * p.rest + i;
          dx[at] = dy[at] * scale[c];
          dscale[c] += dy[at] * x[at];
          dshift[c] += dy[at];
        }
  }
};

GR_REGISTER_KERNEL(KernelBuilder("ScaleShift", DeviceType::kCPU, "reference").float_types<ScaleShiftRef>());
GR_REGISTER_KERNEL(KernelBuilder("ScaleShiftGrad", DeviceType::kCPU, "reference").float_types<ScaleShiftGradRef>());

}  // namespace
}  // namespace graphrun

// Reference MaxPool: plain loops, the oracle for the other kernels. The scan order and the
// strict > fix the tie rule stated in max_pool_def.cc (first maximum in row-major order).
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/kernel_registry.h"
#include "ops/common/pool_geometry.h"

namespace graphrun {

namespace {

template <typename T>
class MaxPoolRef final : public OpKernel {
 public:
  explicit MaxPoolRef(const NodeInfo& node) : g_(pool::geometry(node.attrs, node.inputs[0].shape)) {}

  void compute(KernelContext& ctx) override {
    const Shape& shape = ctx.input(0).shape();
    const int64_t planes = shape[0] * shape[1], h = g_.in[0], w = g_.in[1];
    const T* x = ctx.input(0).data<T>();
    T* y = ctx.output(0).data<T>();
    for (int64_t p = 0; p < planes; ++p) {
      const T* plane = x + p * h * w;
      for (int64_t i = 0; i < g_.out[0]; ++i) {
        // Padding is -infinity, never the maximum: scan only the window's real cells.
        const int64_t r0 = std::max<int64_t>(g_.start(0, i), 0), r1 = std::min(g_.start(0, i) + g_.kernel[0], h);
        for (int64_t j = 0; j < g_.out[1]; ++j) {
          const int64_t c0 = std::max<int64_t>(g_.start(1, j), 0), c1 = std::min(g_.start(1, j) + g_.kernel[1], w);
          T best = -std::numeric_limits<T>::infinity();
          for (int64_t r = r0; r < r1; ++r) {
            for (int64_t c = c0; c < c1; ++c) {
              T v = plane[r * w + c];
              if (v > best || (std::isnan(v) && !std::isnan(best))) best = v;
            }
          }
          *y++ = best;
        }
      }
    }
  }

 private:
  pool::Geometry g_;
};

GR_REGISTER_KERNEL(KernelBuilder("MaxPool", DeviceType::kCPU, "reference").float_types<MaxPoolRef>());

}  // namespace
}  // namespace graphrun

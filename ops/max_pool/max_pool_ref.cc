// Reference MaxPool and MaxPoolGrad: plain loops, the oracle for the other kernels. Both find a
// window's maximum with first_max, so the gradient goes exactly where the forward's value came
// from: the first maximum in row-major order (strict >), a NaN winning over numbers.
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/kernel_registry.h"
#include "ops/common/pool_geometry.h"

namespace graphrun {

namespace {

// Offset in the [h, w] plane of output (i, j)'s maximum. Padding is -infinity, never the
// maximum: only the window's real cells are scanned (pad <= kernel / 2 leaves at least one).
template <typename T>
int64_t first_max(const pool::Geometry& g, const T* plane, int64_t i, int64_t j) {
  const int64_t h = g.in[0], w = g.in[1];
  const int64_t r0 = std::max<int64_t>(g.start(0, i), 0), r1 = std::min(g.start(0, i) + g.kernel[0], h);
  const int64_t c0 = std::max<int64_t>(g.start(1, j), 0), c1 = std::min(g.start(1, j) + g.kernel[1], w);
  int64_t best_at = r0 * w + c0;
  T best = -std::numeric_limits<T>::infinity();
  for (int64_t r = r0; r < r1; ++r) {
    for (int64_t c = c0; c < c1; ++c) {
      T v = plane[r * w + c];
      if (v > best || (std::isnan(v) && !std::isnan(best))) best = v, best_at = r * w + c;
    }
  }
  return best_at;
}

template <typename T>
class MaxPoolRef final : public OpKernel {
 public:
  explicit MaxPoolRef(const NodeInfo& node) : g_(pool::geometry(node.attrs, node.inputs[0].shape)) {}

  void compute(KernelContext& ctx) override {
    const Shape& shape = ctx.input(0).shape();
    const int64_t planes = shape[0] * shape[1], plane_size = g_.in[0] * g_.in[1];
    const T* x = ctx.input(0).data<T>();
    T* y = ctx.output(0).data<T>();
    for (int64_t p = 0; p < planes; ++p) {
      const T* plane = x + p * plane_size;
      for (int64_t i = 0; i < g_.out[0]; ++i)
        for (int64_t j = 0; j < g_.out[1]; ++j) *y++ = plane[first_max(g_, plane, i, j)];
    }
  }

 private:
  pool::Geometry g_;
};

template <typename T>
class MaxPoolGradRef final : public OpKernel {
 public:
  explicit MaxPoolGradRef(const NodeInfo& node) : g_(pool::geometry(node.attrs, node.inputs[1].shape)) {}

  void compute(KernelContext& ctx) override {
    const Shape& shape = ctx.input(1).shape();
    const int64_t planes = shape[0] * shape[1], plane_size = g_.in[0] * g_.in[1];
    const T* dy = ctx.input(0).data<T>();
    const T* x = ctx.input(1).data<T>();
    T* dx = ctx.output(0).data<T>();
    std::fill(dx, dx + planes * plane_size, T(0));
    for (int64_t p = 0; p < planes; ++p) {
      const T* plane = x + p * plane_size;
      T* dx_plane = dx + p * plane_size;
      for (int64_t i = 0; i < g_.out[0]; ++i)
        for (int64_t j = 0; j < g_.out[1]; ++j) dx_plane[first_max(g_, plane, i, j)] += *dy++;
    }
  }

 private:
  pool::Geometry g_;
};

GR_REGISTER_KERNEL(KernelBuilder("MaxPool", DeviceType::kCPU, "reference").float_types<MaxPoolRef>());
GR_REGISTER_KERNEL(KernelBuilder("MaxPoolGrad", DeviceType::kCPU, "reference").float_types<MaxPoolGradRef>());

}  // namespace
}  // namespace graphrun

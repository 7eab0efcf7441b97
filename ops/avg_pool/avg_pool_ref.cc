// Reference AvgPool and AvgPoolGrad: plain loops, the oracle for the other kernels. Both take
// each window's cells and divisor from window(), which follows PyTorch's avg_pool2d exactly (see
// avg_pool_def.cc), so the gradient divides as the forward does.
#include <algorithm>

#include "core/kernel_registry.h"
#include "ops/common/pool_geometry.h"

namespace graphrun {

namespace {

// Output (i, j)'s real cells [rb, re) x [cb, ce) and its divisor.
struct Window {
  int64_t rb, re, cb, ce, divisor;
};

Window window(const pool::Geometry& g, bool include_pad, int64_t i, int64_t j) {
  // The window clipped to the padded input (PyTorch's pool_size), then to the real one.
  const int64_t r0 = g.start(0, i), r1 = std::min(r0 + g.kernel[0], g.in[0] + g.pad[0]);
  const int64_t c0 = g.start(1, j), c1 = std::min(c0 + g.kernel[1], g.in[1] + g.pad[1]);
  Window win{std::max<int64_t>(r0, 0), std::min(r1, g.in[0]), std::max<int64_t>(c0, 0), std::min(c1, g.in[1]), 0};
  win.divisor = include_pad ? (r1 - r0) * (c1 - c0) : (win.re - win.rb) * (win.ce - win.cb);
  return win;
}

template <typename T>
class AvgPoolRef final : public OpKernel {
 public:
  explicit AvgPoolRef(const NodeInfo& node)
      : g_(pool::geometry(node.attrs, node.inputs[0].shape)), include_pad_(node.attrs.b("count_include_pad")) {}

  void compute(KernelContext& ctx) override {
    const Shape& shape = ctx.input(0).shape();
    const int64_t planes = shape[0] * shape[1], w = g_.in[1];
    const T* x = ctx.input(0).data<T>();
    T* y = ctx.output(0).data<T>();
    for (int64_t p = 0; p < planes; ++p) {
      const T* plane = x + p * g_.in[0] * w;
      for (int64_t i = 0; i < g_.out[0]; ++i) {
        for (int64_t j = 0; j < g_.out[1]; ++j) {
          const Window win = window(g_, include_pad_, i, j);
          T sum = 0;
          for (int64_t r = win.rb; r < win.re; ++r)
            for (int64_t c = win.cb; c < win.ce; ++c) sum += plane[r * w + c];
          *y++ = sum / static_cast<T>(win.divisor);
        }
      }
    }
  }

 private:
  pool::Geometry g_;
  bool include_pad_;
};

template <typename T>
class AvgPoolGradRef final : public OpKernel {
 public:
  explicit AvgPoolGradRef(const NodeInfo& node)
      : g_(pool::geometry(node.attrs, node.inputs[1].shape)), include_pad_(node.attrs.b("count_include_pad")) {}

  void compute(KernelContext& ctx) override {
    const Shape& shape = ctx.input(1).shape();
    const int64_t planes = shape[0] * shape[1], w = g_.in[1], plane_size = g_.in[0] * w;
    const T* dy = ctx.input(0).data<T>();
    T* dx = ctx.output(0).data<T>();
    std::fill(dx, dx + planes * plane_size, T(0));
    for (int64_t p = 0; p < planes; ++p) {
      T* plane = dx + p * plane_size;
      for (int64_t i = 0; i < g_.out[0]; ++i) {
        for (int64_t j = 0; j < g_.out[1]; ++j) {
          const Window win = window(g_, include_pad_, i, j);
          const T share = *dy++ / static_cast<T>(win.divisor);
          for (int64_t r = win.rb; r < win.re; ++r)
            for (int64_t c = win.cb; c < win.ce; ++c) plane[r * w + c] += share;
        }
      }
    }
  }

 private:
  pool::Geometry g_;
  bool include_pad_;
};

GR_REGISTER_KERNEL(KernelBuilder("AvgPool", DeviceType::kCPU, "reference").float_types<AvgPoolRef>());
GR_REGISTER_KERNEL(KernelBuilder("AvgPoolGrad", DeviceType::kCPU, "reference").float_types<AvgPoolGradRef>());

}  // namespace
}  // namespace graphrun

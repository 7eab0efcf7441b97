// Reference AvgPool: plain loops, the oracle for the other kernels. The divisor follows
// PyTorch's avg_pool2d exactly (see avg_pool_def.cc).
#include <algorithm>

#include "core/kernel_registry.h"
#include "ops/common/pool_geometry.h"

namespace graphrun {

namespace {

template <typename T>
class AvgPoolRef final : public OpKernel {
 public:
  explicit AvgPoolRef(const NodeInfo& node)
      : g_(pool::geometry(node.attrs, node.inputs[0].shape)), include_pad_(node.attrs.b("count_include_pad")) {}

  void compute(KernelContext& ctx) override {
    const Shape& shape = ctx.input(0).shape();
    const int64_t planes = shape[0] * shape[1], h = g_.in[0], w = g_.in[1];
    const T* x = ctx.input(0).data<T>();
    T* y = ctx.output(0).data<T>();
    for (int64_t p = 0; p < planes; ++p) {
      const T* plane = x + p * h * w;
      for (int64_t i = 0; i < g_.out[0]; ++i) {
        // The window clipped to the padded input (PyTorch's pool_size), then to the real one.
        const int64_t r0 = g_.start(0, i), r1 = std::min(r0 + g_.kernel[0], h + g_.pad[0]);
        const int64_t rb = std::max<int64_t>(r0, 0), re = std::min(r1, h);
        for (int64_t j = 0; j < g_.out[1]; ++j) {
          const int64_t c0 = g_.start(1, j), c1 = std::min(c0 + g_.kernel[1], w + g_.pad[1]);
          const int64_t cb = std::max<int64_t>(c0, 0), ce = std::min(c1, w);
          T sum = 0;
          for (int64_t r = rb; r < re; ++r)
            for (int64_t c = cb; c < ce; ++c) sum += plane[r * w + c];
          const int64_t divisor = include_pad_ ? (r1 - r0) * (c1 - c0) : (re - rb) * (ce - cb);
          *y++ = sum / static_cast<T>(divisor);
        }
      }
    }
  }

 private:
  pool::Geometry g_;
  bool include_pad_;
};

GR_REGISTER_KERNEL(KernelBuilder("AvgPool", DeviceType::kCPU, "reference").float_types<AvgPoolRef>());

}  // namespace
}  // namespace graphrun

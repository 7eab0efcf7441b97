// Reference Conv2D (and Conv2DRelu: then max(y, 0)): the definition in conv2d_def.cc as plain loops, the oracle for the other
// kernels. Sums are accumulated in double so the float32 oracle is not the noisier side of a
// comparison.
#include "core/kernel_registry.h"
#include "ops/common/conv_geometry.h"

namespace graphrun {

namespace {

template <typename T>
class Conv2DRef final : public OpKernel {
 public:
  explicit Conv2DRef(const NodeInfo& node)
      : g_(conv2d_geometry(node.attrs, node.inputs[0].shape)), relu_(node.op == "Conv2DRelu") {}

  void compute(KernelContext& ctx) override {
    const Conv2DGeometry& g = g_;
    const T* x = ctx.input(0).data<T>();
    const T* w = ctx.input(1).data<T>();
    const T* bias = g.use_bias ? ctx.input(2).data<T>() : nullptr;
    T* y = ctx.output(0).data<T>();
    const int64_t cg = g.c_per_group(), fg = g.f_per_group();
    for (int64_t n = 0; n < g.n; ++n) {
      for (int64_t f = 0; f < g.filters; ++f) {
        const int64_t c0 = (f / fg) * cg;  // first input channel of f's group
        const T* wf = w + f * cg * g.kh * g.kw;
        T* yf = y + (n * g.filters + f) * g.oh * g.ow;
        for (int64_t i = 0; i < g.oh; ++i) {
          for (int64_t j = 0; j < g.ow; ++j) {
            double acc = bias ? static_cast<double>(bias[f]) : 0.0;
            for (int64_t c = 0; c < cg; ++c) {
              const T* xc = x + (n * g.c + c0 + c) * g.h * g.w;
              const T* wc = wf + c * g.kh * g.kw;
              for (int64_t a = 0; a < g.kh; ++a) {
                int64_t row = i * g.sh - g.ph + a * g.dh;
                if (row < 0 || row >= g.h) continue;  // zero padding
                for (int64_t b = 0; b < g.kw; ++b) {
                  int64_t col = j * g.sw - g.pw + b * g.dw;
                  if (col < 0 || col >= g.w) continue;
                  acc += static_cast<double>(wc[a * g.kw + b]) * static_cast<double>(xc[row * g.w + col]);
                }
              }
            }
            if (relu_ && acc < 0.0) acc = 0.0;  // Conv2DRelu
            yf[i * g.ow + j] = static_cast<T>(acc);
          }
        }
      }
    }
  }

 private:
  Conv2DGeometry g_;
  bool relu_;
};

GR_REGISTER_KERNEL(KernelBuilder("Conv2D", DeviceType::kCPU, "reference").float_types<Conv2DRef>());
GR_REGISTER_KERNEL(KernelBuilder("Conv2DRelu", DeviceType::kCPU, "reference").float_types<Conv2DRef>());

}  // namespace
}  // namespace graphrun

// Reference Conv2D gradients: the definitions in conv2d_grad_def.cc as plain loops, the oracle
// for the oneDNN kernels. Both gather (each output element sums its own terms) rather than
// scatter, so every sum is accumulated in double, as the forward reference does.
#include "core/kernel_registry.h"
#include "ops/conv2d/conv2d_grad.h"

namespace graphrun {

namespace {

template <typename T>
class Conv2DBackpropInputRef final : public OpKernel {
 public:
  explicit Conv2DBackpropInputRef(const NodeInfo& node)
      : g_(conv2d_backprop_geometry(node.attrs, node.inputs[0].shape, node.inputs[1].shape)) {}

  void compute(KernelContext& ctx) override {
    const Conv2DGeometry& g = g_;
    const T* w = ctx.input(1).data<T>();
    const T* dy = ctx.input(2).data<T>();
    T* dx = ctx.output(0).data<T>();
    const int64_t cg = g.c_per_group(), fg = g.f_per_group();
    for (int64_t n = 0; n < g.n; ++n) {
      for (int64_t c = 0; c < g.c; ++c) {
        const int64_t group = c / cg, cc = c - group * cg;  // cc: c's index within its group
        for (int64_t r = 0; r < g.h; ++r) {
          for (int64_t s = 0; s < g.w; ++s) {
            double acc = 0.0;
            for (int64_t f = group * fg; f < (group + 1) * fg; ++f) {
              const T* wf = w + (f * cg + cc) * g.kh * g.kw;
              const T* dyf = dy + (n * g.filters + f) * g.oh * g.ow;
              for (int64_t a = 0; a < g.kh; ++a) {
                // The output row i whose window puts kernel row a on input row r, if any.
                int64_t i_strided = r + g.ph - a * g.dh;
                if (i_strided < 0 || i_strided % g.sh != 0 || i_strided / g.sh >= g.oh) continue;
                int64_t i = i_strided / g.sh;
                for (int64_t b = 0; b < g.kw; ++b) {
                  int64_t j_strided = s + g.pw - b * g.dw;
                  if (j_strided < 0 || j_strided % g.sw != 0 || j_strided / g.sw >= g.ow) continue;
                  int64_t j = j_strided / g.sw;
                  acc += static_cast<double>(wf[a * g.kw + b]) * static_cast<double>(dyf[i * g.ow + j]);
                }
              }
            }
            dx[((n * g.c + c) * g.h + r) * g.w + s] = static_cast<T>(acc);
          }
        }
      }
    }
  }

 private:
  Conv2DGeometry g_;
};

template <typename T>
class Conv2DBackpropFilterRef final : public OpKernel {
 public:
  explicit Conv2DBackpropFilterRef(const NodeInfo& node)
      : g_(conv2d_backprop_geometry(node.attrs, node.inputs[0].shape, node.inputs[1].shape)) {}

  void compute(KernelContext& ctx) override {
    const Conv2DGeometry& g = g_;
    const T* x = ctx.input(0).data<T>();
    const T* dy = ctx.input(2).data<T>();
    T* dw = ctx.output(0).data<T>();
    T* dbias = ctx.output(1).data<T>();
    const int64_t cg = g.c_per_group(), fg = g.f_per_group();
    for (int64_t f = 0; f < g.filters; ++f) {
      const int64_t c0 = (f / fg) * cg;  // first input channel of f's group
      for (int64_t c = 0; c < cg; ++c) {
        for (int64_t a = 0; a < g.kh; ++a) {
          for (int64_t b = 0; b < g.kw; ++b) {
            double acc = 0.0;
            for (int64_t n = 0; n < g.n; ++n) {
              const T* xc = x + (n * g.c + c0 + c) * g.h * g.w;
              const T* dyf = dy + (n * g.filters + f) * g.oh * g.ow;
              for (int64_t i = 0; i < g.oh; ++i) {
                int64_t row = i * g.sh - g.ph + a * g.dh;
                if (row < 0 || row >= g.h) continue;  // zero padding
                for (int64_t j = 0; j < g.ow; ++j) {
                  int64_t col = j * g.sw - g.pw + b * g.dw;
                  if (col < 0 || col >= g.w) continue;
                  acc += static_cast<double>(dyf[i * g.ow + j]) * static_cast<double>(xc[row * g.w + col]);
                }
              }
            }
            dw[((f * cg + c) * g.kh + a) * g.kw + b] = static_cast<T>(acc);
          }
        }
      }
      double sum = 0.0;
      for (int64_t n = 0; n < g.n; ++n) {
        const T* dyf = dy + (n * g.filters + f) * g.oh * g.ow;
        for (int64_t k = 0; k < g.oh * g.ow; ++k) sum += static_cast<double>(dyf[k]);
      }
      dbias[f] = static_cast<T>(sum);
    }
  }

 private:
  Conv2DGeometry g_;
};

GR_REGISTER_KERNEL(
    KernelBuilder("Conv2DBackpropInput", DeviceType::kCPU, "reference").float_types<Conv2DBackpropInputRef>());
GR_REGISTER_KERNEL(
    KernelBuilder("Conv2DBackpropFilter", DeviceType::kCPU, "reference").float_types<Conv2DBackpropFilterRef>());

}  // namespace
}  // namespace graphrun

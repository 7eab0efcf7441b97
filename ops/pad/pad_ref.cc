// Reference Pad: for each output element, the input element it comes from or the padding value.
#include "core/kernel_registry.h"

namespace graphrun {

namespace {

template <typename T>
class PadRef final : public OpKernel {
 public:
  explicit PadRef(const NodeInfo& node)
      : pads_(node.attrs.ints("pads")), value_(static_cast<T>(node.attrs.f("value"))) {}
  void compute(KernelContext& ctx) override {
    const Shape &in = ctx.input(0).shape(), &out = ctx.output(0).shape();
    const T* x = ctx.input(0).data<T>();
    T* y = ctx.output(0).data<T>();
    for (int64_t o = 0, n = out.num_elements(); o < n; ++o) {
      int64_t rest = o, source = 0, stride = 1;
      bool inside = true;
      for (int d = out.rank() - 1; d >= 0; --d) {
        const int64_t i = rest % out[d] - pads_[d];
        rest /= out[d];
        inside = inside && i >= 0 && i < in[d];
        source += i * stride;
        stride *= in[d];
      }
      y[o] = inside ? x[source] : value_;
    }
  }

 private:
  std::vector<int64_t> pads_;
  T value_;
};

GR_REGISTER_KERNEL(KernelBuilder("Pad", DeviceType::kCPU, "reference").float_types<PadRef>());

}  // namespace
}  // namespace graphrun

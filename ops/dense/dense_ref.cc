// Reference Dense: plain triple loop, the oracle for the oneDNN kernel.
#include "core/kernel_registry.h"

namespace graphrun {

namespace {

template <typename T>
class DenseRef final : public OpKernel {
 public:
  explicit DenseRef(const NodeInfo& node) : use_bias_(node.attrs.b("use_bias")) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& w = ctx.input(1);
    int64_t batch = x.shape()[0], in = x.shape()[1], units = w.shape()[0];
    const T* xp = x.data<T>();
    const T* wp = w.data<T>();
    const T* bp = use_bias_ ? ctx.input(2).data<T>() : nullptr;
    T* yp = ctx.output(0).data<T>();
    for (int64_t n = 0; n < batch; ++n) {
      for (int64_t u = 0; u < units; ++u) {
        T sum = bp ? bp[u] : T(0);
        for (int64_t k = 0; k < in; ++k) sum += xp[n * in + k] * wp[u * in + k];
        yp[n * units + u] = sum;
      }
    }
  }

 private:
  bool use_bias_;
};

GR_REGISTER_KERNEL(KernelBuilder("Dense", DeviceType::kCPU, "reference").float_types<DenseRef>());

}  // namespace
}  // namespace graphrun

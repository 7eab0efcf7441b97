// Reference Cast: a plain loop over float32, float64 and bfloat16, split across TBB's threads
// (the mixed-precision pass casts whole activations, millions of elements, every step).
#include <tbb/parallel_for.h>

#include "core/kernel_registry.h"

namespace graphrun {

namespace {

template <typename To, typename From>
To convert(From value) {
  if constexpr (std::is_same_v<To, bfloat16>)
    return bfloat16(static_cast<float>(value));
  else if constexpr (std::is_same_v<From, bfloat16>)
    return static_cast<To>(static_cast<float>(value));
  else
    return static_cast<To>(value);
}

template <typename To, typename From>
void cast(const Tensor& x, Tensor& y) {
  const From* in = x.data<From>();
  To* out = y.data<To>();
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, x.num_elements(), 1 << 16), [&](const tbb::blocked_range<int64_t>& r) {
    for (int64_t i = r.begin(); i < r.end(); ++i) out[i] = convert<To>(in[i]);
  });
}

template <typename From>
class CastRef final : public OpKernel {
 public:
  explicit CastRef(const NodeInfo&) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    switch (y.dtype()) {
      case DType::kFloat32: return cast<float, From>(x, y);
      case DType::kFloat64: return cast<double, From>(x, y);
      case DType::kBFloat16: return cast<bfloat16, From>(x, y);
      default: fail("Cast to {}: not a float type", dtype_name(y.dtype()));
    }
  }
};

GR_REGISTER_KERNEL(KernelBuilder("Cast", DeviceType::kCPU, "reference")
                       .float_types<CastRef>()
                       .add<bfloat16, CastRef>());

}  // namespace
}  // namespace graphrun

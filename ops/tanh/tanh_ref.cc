// Reference Tanh and TanhGrad: the oracle for the oneDNN kernels.
#include <cmath>

#include "ops/common/elementwise_ref.h"

namespace graphrun {

namespace {

template <typename T>
struct Tanh {
  explicit Tanh(const AttrMap&) {}
  T operator()(T x) const { return std::tanh(x); }
};

template <typename T>
struct TanhGrad {
  explicit TanhGrad(const AttrMap&) {}
  T operator()(T dy, T y) const { return dy * (T(1) - y * y); }
};

GR_REGISTER_KERNEL(elementwise::reference_kernels<Tanh>("Tanh"));
GR_REGISTER_KERNEL(elementwise::reference_kernels<TanhGrad>("TanhGrad"));

}  // namespace
}  // namespace graphrun

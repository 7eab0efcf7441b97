// Reference LeakyRelu and LeakyReluGrad: the oracle for the oneDNN kernels.
#include "ops/common/elementwise_ref.h"

namespace graphrun {

namespace {

template <typename T>
struct LeakyRelu {
  explicit LeakyRelu(const AttrMap& attrs) : alpha(static_cast<T>(attrs.f("alpha"))) {}
  T operator()(T x) const { return x >= T(0) ? x : alpha * x; }
  T alpha;
};

template <typename T>
struct LeakyReluGrad {
  explicit LeakyReluGrad(const AttrMap& attrs) : alpha(static_cast<T>(attrs.f("alpha"))) {}
  T operator()(T dy, T x) const { return x > T(0) ? dy : alpha * dy; }
  T alpha;
};

GR_REGISTER_KERNEL(elementwise::reference_kernels<LeakyRelu>("LeakyRelu"));
GR_REGISTER_KERNEL(elementwise::reference_kernels<LeakyReluGrad>("LeakyReluGrad"));

}  // namespace
}  // namespace graphrun

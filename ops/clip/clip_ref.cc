// Reference Clip and ClipGrad: the oracle for the oneDNN kernels.
#include "ops/common/elementwise_ref.h"

namespace graphrun {

namespace {

template <typename T>
struct Bounds {
  explicit Bounds(const AttrMap& attrs) : min(static_cast<T>(attrs.f("min"))), max(static_cast<T>(attrs.f("max"))) {}
  T min, max;
};

template <typename T>
struct Clip : Bounds<T> {
  using Bounds<T>::Bounds;
  T operator()(T x) const { return x < this->min ? this->min : (x > this->max ? this->max : x); }
};

template <typename T>
struct ClipGrad : Bounds<T> {
  using Bounds<T>::Bounds;
  T operator()(T dy, T x) const { return this->min < x && x < this->max ? dy : T(0); }
};

GR_REGISTER_KERNEL(elementwise::reference_kernels<Clip>("Clip"));
GR_REGISTER_KERNEL(elementwise::reference_kernels<ClipGrad>("ClipGrad"));

}  // namespace
}  // namespace graphrun

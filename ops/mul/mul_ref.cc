// Reference Mul: the oracle for the oneDNN kernel.
#include "ops/common/elementwise_ref.h"

namespace graphrun {

namespace {

template <typename T>
struct Multiply {
  explicit Multiply(const AttrMap&) {}
  T operator()(T a, T b) const { return a * b; }
};

GR_REGISTER_KERNEL(elementwise::reference_kernels<Multiply>("Mul"));

}  // namespace
}  // namespace graphrun

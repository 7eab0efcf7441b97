// Reference kernels of elementwise ops as plain loops, so that each op's _ref.cc states only its
// math: `Math<T>` is built from the node's attrs and maps one element, y = math(x) for a unary op,
// y = math(a, b) for a binary one (a backward op's (dy, data), Mul's (a, b)). Inputs and output
// have one shape (the ops' shape functions check it).
#pragma once

#include <memory>
#include <string>
#include <type_traits>

#include "core/kernel_registry.h"

namespace graphrun::elementwise {

template <typename T, typename Math>
class ElementwiseRef final : public OpKernel {
 public:
  explicit ElementwiseRef(const NodeInfo& node) : math_(node.attrs) {}
  void compute(KernelContext& ctx) override {
    const T* a = ctx.input(0).data<T>();
    T* y = ctx.output(0).data<T>();
    const int64_t n = ctx.output(0).num_elements();
    if constexpr (std::is_invocable_v<const Math&, T>) {
      for (int64_t i = 0; i < n; ++i) y[i] = math_(a[i]);
    } else {
      const T* b = ctx.input(1).data<T>();
      for (int64_t i = 0; i < n; ++i) y[i] = math_(a[i], b[i]);
    }
  }

 private:
  Math math_;
};

// The float32 and float64 reference kernels of the op computing Math.
template <template <typename> class Math>
KernelBuilder reference_kernels(const std::string& op) {
  KernelBuilder builder(op, DeviceType::kCPU, "reference");
  builder.add_one(DType::kFloat32, [](const NodeInfo& node) -> std::unique_ptr<OpKernel> {
    return std::make_unique<ElementwiseRef<float, Math<float>>>(node);
  });
  builder.add_one(DType::kFloat64, [](const NodeInfo& node) -> std::unique_ptr<OpKernel> {
    return std::make_unique<ElementwiseRef<double, Math<double>>>(node);
  });
  return builder;
}

}  // namespace graphrun::elementwise

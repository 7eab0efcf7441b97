// Swish (SiLU): y = x * sigmoid(x), an example operator plugin. Its gradient is a backward op
// the plugin also defines: SwishGrad(dy, x) = dy * s * (1 + x * (1 - s)), s = sigmoid(x).
// Smooth everywhere, so there is no kink convention to state.
#include <graphrun/plugin.hpp>

#include <cmath>

#include "swish_cuda.h"

namespace gp = graphrun::plugin;

namespace {

template <typename T>
T sigmoid(T x) {
  return T(1) / (T(1) + std::exp(-x));
}

template <typename T>
void swish_cpu(gp::KernelContext& ctx) {
  const T* x = ctx.input(0).data<T>();
  gp::Tensor out = ctx.output(0);
  T* y = out.data<T>();
  for (int64_t i = 0, n = out.num_elements(); i < n; ++i) y[i] = x[i] * sigmoid(x[i]);
}

template <typename T>
void swish_grad_cpu(gp::KernelContext& ctx) {
  const T* dy = ctx.input(0).data<T>();
  const T* x = ctx.input(1).data<T>();
  gp::Tensor out = ctx.output(0);
  T* dx = out.data<T>();
  for (int64_t i = 0, n = out.num_elements(); i < n; ++i) {
    T s = sigmoid(x[i]);
    dx[i] = dy[i] * s * (T(1) + x[i] * (T(1) - s));
  }
}

}  // namespace

GRAPHRUN_PLUGIN(reg) {
  reg.op("Swish")
      .doc("Swish (SiLU) activation: y = x * sigmoid(x). From the swish example plugin.")
      .input("x")
      .output("y")
      .shape(gp::same_shape_as_input)
      .split(gp::Split::kElementwise)
      .cost_elementwise(4)   // exp, add, divide, multiply
      .reuse_input(0, 0)     // y may be written over x: the kernels read x[i] before writing y[i]
      .grad([](gp::GradContext& g) { g.set_grad_input(0, g.add("swish", "SwishGrad", {g.grad_output(0), g.input(0)})); });
  reg.op("SwishGrad")
      .doc("Gradient of Swish: dx = dy * s * (1 + x * (1 - s)), s = sigmoid(x).")
      .input("dy", "gradient of the Swish's output")
      .input("x", "the Swish's input")
      .output("dx")
      .shape(gp::same_shape_as_input)
      .split(gp::Split::kElementwise)
      .cost_elementwise(8)
      .reuse_input(0, 0);  // dx over dy
  // The plain-loop kernels are the reference (the oracle the op harness compares others with).
  reg.kernel("Swish", gp::Device::kCPU, gp::DType::kFloat32, swish_cpu<float>, "reference");
  reg.kernel("Swish", gp::Device::kCPU, gp::DType::kFloat64, swish_cpu<double>, "reference");
  reg.kernel("SwishGrad", gp::Device::kCPU, gp::DType::kFloat32, swish_grad_cpu<float>, "reference");
  reg.kernel("SwishGrad", gp::Device::kCPU, gp::DType::kFloat64, swish_grad_cpu<double>, "reference");
#ifdef SWISH_WITH_CUDA
  // Enqueued on the stream graphrun gives the kernel; never synchronizes.
  reg.kernel("Swish", gp::Device::kCUDA, gp::DType::kFloat32, [](gp::KernelContext& ctx) {
    gp::Tensor y = ctx.output(0);
    swish_cuda_check(swish_forward_cuda(ctx.input(0).data<float>(), y.data<float>(), y.num_elements(), ctx.stream()));
  }, "cuda", 10);
  reg.kernel("SwishGrad", gp::Device::kCUDA, gp::DType::kFloat32, [](gp::KernelContext& ctx) {
    gp::Tensor dx = ctx.output(0);
    swish_cuda_check(swish_backward_cuda(ctx.input(0).data<float>(), ctx.input(1).data<float>(), dx.data<float>(),
                                         dx.num_elements(), ctx.stream()));
  }, "cuda", 10);
#endif
}

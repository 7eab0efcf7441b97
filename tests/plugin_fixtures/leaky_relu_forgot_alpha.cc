// The mistake `graphrun check-op` exists to catch: SlopedRelu, a leaky ReLU (y = x for x > 0, alpha * x
// otherwise) whose gradient function adds SlopedReluGrad without forwarding the node's `alpha`,
// so the backward op silently uses its default. It trains without complaint; check-op's
// gradient check must fail, with --attr alpha=0.1 and at the default (check-op then also checks
// another alpha).
#include <graphrun/plugin.hpp>

namespace gp = graphrun::plugin;

template <typename T>
void leaky_relu(gp::KernelContext& ctx) {
  const T alpha = static_cast<T>(ctx.attrs().f("alpha"));
  const T* x = ctx.input(0).data<T>();
  gp::Tensor y = ctx.output(0);
  for (int64_t i = 0; i < y.num_elements(); ++i) y.data<T>()[i] = x[i] > 0 ? x[i] : alpha * x[i];
}

template <typename T>
void leaky_relu_grad(gp::KernelContext& ctx) {
  const T alpha = static_cast<T>(ctx.attrs().f("alpha"));
  const T* dy = ctx.input(0).data<T>();
  const T* x = ctx.input(1).data<T>();
  gp::Tensor dx = ctx.output(0);
  for (int64_t i = 0; i < dx.num_elements(); ++i) dx.data<T>()[i] = x[i] > 0 ? dy[i] : alpha * dy[i];
}

GRAPHRUN_PLUGIN(reg) {
  reg.op("SlopedRelu").doc("y = x > 0 ? x : alpha * x").input("x").output("y").attr("alpha", 0.01, "negative slope")
      .shape(gp::same_shape_as_input).split(gp::Split::kElementwise)
      .grad([](gp::GradContext& g) {  // the bug: no {"alpha"} as forward_attrs
        g.set_grad_input(0, g.add("leaky_relu", "SlopedReluGrad", {g.grad_output(0), g.input(0)}));
      });
  reg.op("SlopedReluGrad").doc("dx = x > 0 ? dy : alpha * dy").input("dy").input("x").output("dx")
      .attr("alpha", 0.01, "negative slope").shape(gp::same_shape_as_input).split(gp::Split::kElementwise);
  reg.kernel("SlopedRelu", gp::Device::kCPU, gp::DType::kFloat32, leaky_relu<float>, "reference");
  reg.kernel("SlopedRelu", gp::Device::kCPU, gp::DType::kFloat64, leaky_relu<double>, "reference");
  reg.kernel("SlopedReluGrad", gp::Device::kCPU, gp::DType::kFloat32, leaky_relu_grad<float>, "reference");
  reg.kernel("SlopedReluGrad", gp::Device::kCPU, gp::DType::kFloat64, leaky_relu_grad<double>, "reference");
}

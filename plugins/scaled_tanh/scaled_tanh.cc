// ScaledTanh: y = scale * tanh(slope * x) (LeCun's 1.7159 * tanh(2x/3) by default), an example
// plugin op with attrs and its own backward op, which takes the same attrs:
// ScaledTanhGrad(dy, x) = dy * scale * slope * (1 - tanh(slope * x)^2).
#include <graphrun/plugin.hpp>

#include <cmath>

namespace gp = graphrun::plugin;

namespace {

// The attrs ScaledTanh and ScaledTanhGrad share, with the check both need.
void declare_attrs(gp::OpBuilder& op) {
  op.attr("scale", 1.7159, "output scale").attr("slope", 2.0 / 3.0, "input slope; must be positive");
}

void shape(gp::ShapeContext& ctx) {
  if (!(ctx.attrs().f("slope") > 0)) ctx.fail("attr 'slope' must be positive, got " + std::to_string(ctx.attrs().f("slope")));
  gp::same_shape_as_input(ctx);
}

template <typename T>
void forward(gp::KernelContext& ctx) {
  const T scale = static_cast<T>(ctx.attrs().f("scale")), slope = static_cast<T>(ctx.attrs().f("slope"));
  const T* x = ctx.input(0).data<T>();
  gp::Tensor out = ctx.output(0);
  T* y = out.data<T>();
  for (int64_t i = 0, n = out.num_elements(); i < n; ++i) y[i] = scale * std::tanh(slope * x[i]);
}

template <typename T>
void backward(gp::KernelContext& ctx) {
  const T scale = static_cast<T>(ctx.attrs().f("scale")), slope = static_cast<T>(ctx.attrs().f("slope"));
  const T* dy = ctx.input(0).data<T>();
  const T* x = ctx.input(1).data<T>();
  gp::Tensor out = ctx.output(0);
  T* dx = out.data<T>();
  for (int64_t i = 0, n = out.num_elements(); i < n; ++i) {
    T t = std::tanh(slope * x[i]);
    dx[i] = dy[i] * scale * slope * (T(1) - t * t);
  }
}

}  // namespace

GRAPHRUN_PLUGIN(reg) {
  gp::OpBuilder& op = reg.op("ScaledTanh");
  op.doc("Scaled tanh: y = scale * tanh(slope * x). From the scaled_tanh example plugin.").input("x").output("y");
  declare_attrs(op);
  op.shape(shape).split(gp::Split::kElementwise).cost_elementwise(3).grad([](gp::GradContext& g) {
    g.set_grad_input(0, g.add("scaled_tanh", "ScaledTanhGrad", {g.grad_output(0), g.input(0)}, {}, {"scale", "slope"}));
  });

  gp::OpBuilder& grad = reg.op("ScaledTanhGrad");
  grad.doc("Gradient of ScaledTanh: dx = dy * scale * slope * (1 - tanh(slope * x)^2).")
      .input("dy", "gradient of the ScaledTanh's output")
      .input("x", "the ScaledTanh's input")
      .output("dx");
  declare_attrs(grad);
  grad.shape(shape).split(gp::Split::kElementwise).cost_elementwise(7);

  reg.kernel("ScaledTanh", gp::Device::kCPU, gp::DType::kFloat32, forward<float>, "reference");
  reg.kernel("ScaledTanh", gp::Device::kCPU, gp::DType::kFloat64, forward<double>, "reference");
  reg.kernel("ScaledTanhGrad", gp::Device::kCPU, gp::DType::kFloat32, backward<float>, "reference");
  reg.kernel("ScaledTanhGrad", gp::Device::kCPU, gp::DType::kFloat64, backward<double>, "reference");
}

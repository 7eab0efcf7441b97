// plugins/square/square.cc: y = x * x, with its gradient dx = 2 * x * dy written in other ops.
#include <graphrun/plugin.hpp>
namespace gp = graphrun::plugin;

template <typename T>
void square(gp::KernelContext& ctx) {
  const T* x = ctx.input(0).data<T>();
  gp::Tensor y = ctx.output(0);                      // allocated at the inferred shape
  for (int64_t i = 0; i < y.num_elements(); ++i) y.data<T>()[i] = x[i] * x[i];
}

template <typename T>
void square_grad(gp::KernelContext& ctx) {           // dx = 2 * x * dy
  const T* dy = ctx.input(0).data<T>();
  const T* x = ctx.input(1).data<T>();
  gp::Tensor dx = ctx.output(0);
  for (int64_t i = 0; i < dx.num_elements(); ++i) dx.data<T>()[i] = 2 * x[i] * dy[i];
}

GRAPHRUN_PLUGIN(reg) {
  reg.op("Square").doc("y = x * x").input("x").output("y")
      .shape(gp::same_shape_as_input)                 // or any function of ShapeContext&
      .split(gp::Split::kElementwise)
      .cost_elementwise(1)                            // FLOPs for inspect and bench (ABI 2)
      .reuse_input(0, 0)                              // y may overwrite x when nothing else reads x (ABI 2)
      .grad([](gp::GradContext& g) {                  // adds nodes; never computes
        g.set_grad_input(0, g.add("square", "SquareGrad", {g.grad_output(0), g.input(0)}));
      });
  reg.op("SquareGrad").doc("dx = 2 x dy").input("dy").input("x").output("dx")
      .shape(gp::same_shape_as_input).split(gp::Split::kElementwise).cost_elementwise(2).reuse_input(0, 0);
  reg.kernel("Square", gp::Device::kCPU, gp::DType::kFloat32, square<float>, "reference");
  reg.kernel("Square", gp::Device::kCPU, gp::DType::kFloat64, square<double>, "reference");
  reg.kernel("SquareGrad", gp::Device::kCPU, gp::DType::kFloat32, square_grad<float>, "reference");
  reg.kernel("SquareGrad", gp::Device::kCPU, gp::DType::kFloat64, square_grad<double>, "reference");
}

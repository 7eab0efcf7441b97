// A plugin whose kernel throws: Explode passes x through, except that its kernel throws a
// std::runtime_error (attr kind = "std") or an int (kind = "int"): always, or with `at_step`
// only in the training step whose step() is at_step. graphrun must report it naming the plugin
// and op, and fail only the step (train keeps the state of the steps before it).
#include <graphrun/plugin.hpp>

#include <stdexcept>

namespace gp = graphrun::plugin;

GRAPHRUN_PLUGIN(reg) {
  reg.op("Explode").doc("Throws from its kernel.").input("x").output("y").attr("kind", "std")
      .attr("at_step", int64_t{-1}, "throw only in the step whose step() is this; -1: always")
      .shape(gp::same_shape_as_input).split(gp::Split::kElementwise)
      .grad([](gp::GradContext& g) { g.set_grad_input(0, g.grad_output(0)); });
  reg.kernel("Explode", gp::Device::kCPU, gp::DType::kFloat32, [](gp::KernelContext& ctx) {
    int64_t at = ctx.attrs().i("at_step");
    if (at < 0 || ctx.step() == at) {
      if (ctx.attrs().s("kind") == "int") throw 42;
      throw std::runtime_error("Explode kernel blew up on purpose at step() " + std::to_string(ctx.step()));
    }
    const float* x = ctx.input(0).data<float>();
    gp::Tensor y = ctx.output(0);
    for (int64_t i = 0; i < y.num_elements(); ++i) y.data<float>()[i] = x[i];
  }, "reference");
}

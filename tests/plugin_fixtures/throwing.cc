// A plugin whose kernel throws: Explode passes x through, except that its kernel throws a
// std::runtime_error (attr kind = "std") or an int (kind = "int"). graphrun must report it
// naming the plugin and op, and fail only the step.
#include <graphrun/plugin.hpp>

#include <stdexcept>

namespace gp = graphrun::plugin;

GRAPHRUN_PLUGIN(reg) {
  reg.op("Explode").doc("Throws from its kernel.").input("x").output("y").attr("kind", "std").shape(gp::same_shape_as_input);
  reg.kernel("Explode", gp::Device::kCPU, gp::DType::kFloat32, [](gp::KernelContext& ctx) {
    if (ctx.attrs().s("kind") == "int") throw 42;
    throw std::runtime_error("Explode kernel blew up on purpose");
  }, "reference");
}

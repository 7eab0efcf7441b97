// A plugin op with an ONNX mapping (ABI 3): PluginAffine, y = alpha * x + beta, is ONNX op AlphaBeta
// of the plugin's own domain, so a graph using it exports to ONNX and imports back.
#include <graphrun/plugin.hpp>

namespace gp = graphrun::plugin;

GRAPHRUN_PLUGIN(reg) {
  reg.op("PluginAffine")
      .doc("y = alpha * x + beta")
      .input("x")
      .output("y")
      .attr("alpha", 1.0)
      .attr("beta", 0.0)
      .attr("steps", std::vector<int64_t>{})
      .shape(gp::same_shape_as_input)
      .onnx("org.graphrun.plugin", "AlphaBeta", 1);
}

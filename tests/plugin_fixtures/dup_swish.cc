// Defines Swish again: loading it after the swish plugin must fail naming both libraries.
#include <graphrun/plugin.hpp>

namespace gp = graphrun::plugin;

GRAPHRUN_PLUGIN(reg) { reg.op("Swish").doc("A second Swish.").input("x").output("y").shape(gp::same_shape_as_input); }

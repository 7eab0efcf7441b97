// Dropout (inverted, as PyTorch): in training y = x * mask / (1 - rate), where mask[i] =
// uniform01(key, i) >= rate and key hashes (seed, step, node name) (dropout_mask.h); at
// inference y = x. Gradient (DropoutGrad): dx = dy * mask / (1 - rate), the same mask
// regenerated from the key, so nothing is stored between the passes: DropoutGrad's attr
// forward_node names the Dropout node whose key it uses. At inference dx = dy.
#include "core/gradient.h"
#include "core/kernel_registry.h"
#include "ops/common/shape_fns.h"

namespace graphrun {

GR_REGISTER_OP("Dropout")
    .doc(
        "Inverted dropout: in training zeroes each element with probability rate and scales "
        "the rest by 1/(1-rate); identity at inference.")
    .input("x")
    .output("y")
    .attr("rate", AttrType::kFloat, attr_float(0.5), "probability of dropping an element, in [0, 1)",
          checks::in_range(0, 0.999999))
    .shape_fn(shape_fns::same_as_input)
    .cost_fn(shape_fns::elementwise_cost(1))
    .grad([](GradContext& g) {
      AttrList attrs = g.forward_attrs({"rate"});
      attrs.emplace_back("forward_node", attr_string(g.node().name));
      g.set_grad_input(0, g.add("dropout", "DropoutGrad", {g.grad_output(0)}, attrs));
    });

GR_REGISTER_OP("DropoutGrad")
    .doc(
        "Gradient of Dropout: in training dx = dy * mask / (1 - rate) with the forward node's mask; dx = dy at "
        "inference.")
    .input("dy", "gradient of the Dropout's output")
    .output("dx")
    .attr("forward_node", AttrType::kString, "name of the Dropout node (its mask is keyed by that name)")
    .attr("rate", AttrType::kFloat, attr_float(0.5), "the Dropout's rate", checks::in_range(0, 0.999999))
    .shape_fn(shape_fns::same_as_input)
    .cost_fn(shape_fns::elementwise_cost(1));

}  // namespace graphrun

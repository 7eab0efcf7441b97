// Dropout (inverted, as PyTorch): in training y = x * mask / (1 - rate), where mask[i] =
// uniform01(key, i) >= rate and key hashes (seed, step, node name) (dropout_mask.h); at
// inference y = x. Gradient (DropoutGrad): dx = dy * mask / (1 - rate), the same mask
// regenerated from the key, so nothing is stored between the passes: DropoutGrad's attr
// forward_node names the Dropout node whose key it uses. At inference dx = dy.
// Split across devices, each shard keys its mask by the logical node and its slice of the
// logical tensor (mask_name, mask_slice), so the masks equal a one-device run's.
#include "core/gradient.h"
#include "core/kernel_registry.h"
#include "ops/common/shape_fns.h"

namespace graphrun {

namespace {
void mask_slice_attr(OpDefBuilder& op) {
  op.attr("mask_slice", AttrType::kInts, attr_ints({}),
          "for a shard of a split Dropout: [axis, offset, logical size]; its mask is that slice of the logical mask");
  op.attr("mask_offset", AttrType::kInt, attr_int(0),
          "where this node's logical tensor starts in the mask of the global batch (rank r of N ranks: r times its "
          "elements), so ranks drop what one process would",
          checks::non_negative());
}
}  // namespace

GR_REGISTER_OP("Dropout")
    .doc(
        "Inverted dropout: in training zeroes each element with probability rate and scales "
        "the rest by 1/(1-rate); identity at inference.")
    .input("x")
    .output("y")
    .attr("rate", AttrType::kFloat, attr_float(0.5), "probability of dropping an element, in [0, 1)",
          checks::in_range(0, 0.999999))
    .attr("mask_name", AttrType::kString, attr_string(""),
          "the name the mask is keyed by (\"\": this node's; a shard of a split Dropout: its logical node's)")
    .with(mask_slice_attr)
    .shape_fn(shape_fns::same_as_input)
    .cost_fn(shape_fns::elementwise_cost(1))
    .split([](const SplitContext& ctx) {
      SplitDecision d = split_rules::elementwise(ctx);
      if (!d.sharded) return d;
      int axis = d.output_axis;
      int64_t total = ctx.input_shapes[0][axis];
      std::string logical = ctx.node;
      d.shard_attrs = [axis, total, logical](int part, int parts) {
        return ShardAttrs{{"mask_name", attr_string(logical)},
                          {"mask_slice", attr_ints({axis, part * (total / parts), total})}};
      };
      return d;
    })
    .grad([](GradContext& g) {
      AttrList attrs = g.forward_attrs({"rate", "mask_slice", "mask_offset"});
      const std::string& logical = g.attrs().s("mask_name");
      attrs.emplace_back("forward_node", attr_string(logical.empty() ? g.node().name : logical));
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
    .with(mask_slice_attr)
    .shape_fn(shape_fns::same_as_input)
    .cost_fn(shape_fns::elementwise_cost(1));

}  // namespace graphrun

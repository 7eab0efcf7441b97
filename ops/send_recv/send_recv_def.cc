// Send and Recv: the two ends of a cross-device edge, inserted by the partition pass
// (runtime/passes/partition.h), one pair per (tensor, destination device). Send runs on the
// producer's device and marks the tensor ready with an event; Recv runs on the reader's
// device, makes that device wait for the event and copies the tensor into its own memory.
// They appear only after autodiff, so they have no gradient.
#include "core/kernel_registry.h"
#include "ops/common/shape_fns.h"

namespace graphrun {

namespace {
void same_shape(InferenceContext& ctx) { ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0)); }
}  // namespace

GR_REGISTER_OP("Send")
    .doc("Marks a tensor ready for the device `to` (the output is the input itself).")
    .input("x")
    .output("y", "x, unchanged")
    .attr("to", AttrType::kString, "the device that receives it")
    .shape_fn(same_shape)
    .cost_fn([](const InferenceContext&) { return Cost{0, 0}; })
    .output_aliases_input();

GR_REGISTER_OP("Recv")
    .doc("A copy, on this node's device, of the tensor its Send (input 0) marked ready on device `from`.")
    .input("x", "the Send's output")
    .output("y", "the tensor in this device's memory")
    .attr("from", AttrType::kString, "the device it comes from")
    .attr("send", AttrType::kString, "the Send node whose event it waits for")
    .shape_fn(same_shape)
    .cost_fn(shape_fns::elementwise_cost(0));

}  // namespace graphrun

// DeviceAllReduce: the sum, over the devices of one process, of a tensor each of them holds: the
// data-parallel gradient exchange between GPUs (runtime/passes/gradient_exchange.h). One node
// per device, `replica` of `replicas`; the nodes of one `group` meet at run time and each
// outputs the same sum, summed in replica order, on its own device. Between distinct physical
// GPUs the kernels are NCCL's all-reduce over one process's communicators (ncclCommInitAll);
// the CPU kernel is the reference (the replicas' inputs added in order, as AddN adds them).
// Not differentiable.
#include "core/kernel_registry.h"
#include "ops/common/shape_fns.h"

namespace graphrun {

namespace {

void device_all_reduce_shape(InferenceContext& ctx) {
  DType dtype = ctx.input_dtype(0);
  if (!is_floating(dtype)) ctx.error("input is {}: DeviceAllReduce sums float32 or float64 tensors", dtype_name(dtype));
  int64_t replica = ctx.attrs().i("replica"), replicas = ctx.attrs().i("replicas");
  if (replica >= replicas) ctx.error("replica {} is not below replicas {}", replica, replicas);
  if (ctx.attrs().s("group").empty()) ctx.error("attr 'group' is empty: it names the nodes that sum together");
  ctx.set_output(0, dtype, ctx.input_shape(0));
}

}  // namespace

GR_REGISTER_OP("DeviceAllReduce")
    .doc("Sum over the devices of one process of one tensor each: one node per device, meeting by group.")
    .input("x", "this device's tensor (float32 or float64)")
    .output("sum", "the sum over the group's replicas, in replica order, on this device")
    .attr("group", AttrType::kString, attr_string(""), "the name the group's nodes share (one per step and group)")
    .attr("replica", AttrType::kInt, attr_int(0), "this node's place in the sum's order", checks::non_negative())
    .attr("replicas", AttrType::kInt, attr_int(1), "the group's number of nodes", checks::positive())
    .stateful()
    .shape_fn(device_all_reduce_shape)
    .cost_fn([](const InferenceContext& ctx) { return Cost{0, shape_fns::io_bytes(ctx)}; });

}  // namespace graphrun

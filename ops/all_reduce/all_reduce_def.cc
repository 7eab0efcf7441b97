// AllReduce: the sum over the ranks of a process group (runtime/distributed/communicator.h) of
// each input, divided by the number of ranks with `average`: the data-parallel gradient exchange
// across processes and machines. One node is one bucket of gradients (Horovod's fused tensors,
// PyTorch DDP's buckets): its inputs go to the network as one message. `bucket` is its index among
// the step's `buckets`, the order in which every rank issues them. With one rank it is a copy.
// Inputs: tensors of one floating dtype; outputs: their reductions, output k of input k. Added by
// runtime/passes/rank_exchange.cc; not differentiable.
#include "core/kernel_registry.h"
#include "ops/common/shape_fns.h"

namespace graphrun {

namespace {

void all_reduce_shape(InferenceContext& ctx) {
  DType dtype = ctx.input_dtype(0);
  if (!is_floating(dtype)) ctx.error("input 0 is {}: AllReduce sums float32 or float64 tensors", dtype_name(dtype));
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    if (ctx.input_dtype(i) != dtype)
      ctx.error("input {} is {}, input 0 is {}: one bucket takes one dtype", i, dtype_name(ctx.input_dtype(i)),
                dtype_name(dtype));
    ctx.set_output(i, dtype, ctx.input_shape(i));
  }
  int64_t bucket = ctx.attrs().i("bucket"), buckets = ctx.attrs().i("buckets");
  if (bucket >= buckets) ctx.error("bucket {} is not below buckets {}", bucket, buckets);
}

}  // namespace

GR_REGISTER_OP("AllReduce")
    .doc("Sum (or mean) over the ranks of each input: one bucket of the gradient exchange across processes.")
    .variadic_input("inputs", "tensors of one floating dtype")
    .variadic_output("reduced", "reduced_k is the reduction of input k")
    .attr("bucket", AttrType::kInt, attr_int(0), "this bucket's index: every rank issues buckets in this order",
          checks::non_negative())
    .attr("buckets", AttrType::kInt, attr_int(1), "the step's number of buckets", checks::positive())
    .attr("average", AttrType::kBool, attr_bool(true), "divide the sum by the number of ranks")
    .stateful()
    .shape_fn(all_reduce_shape)
    .cost_fn([](const InferenceContext& ctx) { return Cost{0, shape_fns::io_bytes(ctx)}; });

}  // namespace graphrun

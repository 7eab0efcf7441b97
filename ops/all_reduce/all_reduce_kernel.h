// What the AllReduce kernels of every device share: the bucket's place in the step's order, the
// error text naming it, a blocking compute() for callers that run kernels one at a time (op
// checks), and cancelling the step's queued buckets when another node fails.
#pragma once

#include <string>

#include "core/kernel_registry.h"
#include "runtime/distributed/communicator.h"

namespace graphrun {

class AllReduceKernel : public OpKernel {
 public:
  explicit AllReduceKernel(const NodeInfo& node)
      : name_(node.name),
        bucket_(static_cast<int>(node.attrs.i("bucket"))),
        buckets_(static_cast<int>(node.attrs.i("buckets"))),
        average_(node.attrs.b("average")) {}

  bool asynchronous() const override { return true; }

  void compute(KernelContext& ctx) override { compute_and_wait(ctx); }

  void cancel(const RunState& run, const std::string& why) override {
    if (Communicator::running()) Communicator::world().cancel_step(run.step, why);
  }

 protected:
  std::string what(int64_t step) const {
    return fmt::format("the gradient all-reduce '{}' (bucket {} of {}, step {})", name_, bucket_ + 1, buckets_, step + 1);
  }
  std::string name_;
  int bucket_, buckets_;
  bool average_;
};

}  // namespace graphrun

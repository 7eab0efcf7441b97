// What DeviceAllReduce's kernels share: the meeting of a group's nodes. Each node's kernel
// arrives with its device's tensors; the last to arrive (whatever its thread) gets every
// arrival, in replica order, and performs the sum for all of them; each node's `done` is then
// called. The nodes are asynchronous, so no flow-graph worker waits for the others: a group
// cannot deadlock the pool however few threads it has. A failed run cancels the groups that are
// waiting (OpKernel::cancel), and a node arriving at a cancelled run fails at once.
#pragma once

#include <string>
#include <vector>

#include "core/kernel_registry.h"

namespace graphrun {

struct DeviceArrival {
  int replica = 0;
  Device* device = nullptr;
  const void* input = nullptr;
  void* output = nullptr;
  size_t bytes = 0;
  DType dtype = DType::kFloat32;
  OpKernel::Done done;
};

class DeviceAllReduceKernel : public OpKernel {
 public:
  explicit DeviceAllReduceKernel(const NodeInfo& node);
  bool asynchronous() const override { return true; }
  // For callers that run kernels one at a time (op checks): only a group of one can meet there.
  void compute(KernelContext& ctx) override;
  void compute_async(KernelContext& ctx, Done done) override;
  void cancel(const RunState& run, const std::string& why) override;

 protected:
  // Sums the group's inputs (in replica order) into every output; throws to fail every node.
  virtual void reduce(const std::vector<DeviceArrival>& group) = 0;
  std::string what() const;

  std::string name_, group_;
  int replica_, replicas_;
};

}  // namespace graphrun
